package io.fjord.clients.consumer;

/** Whether a record's timestamp was set by the producer or by the broker on append. */
public enum TimestampType {
    NO_TIMESTAMP_TYPE("NoTimestampType"),
    CREATE_TIME("CreateTime"),
    LOG_APPEND_TIME("LogAppendTime");

    public final String name;

    TimestampType(String name) {
        this.name = name;
    }

    @Override
    public String toString() {
        return name;
    }
}
