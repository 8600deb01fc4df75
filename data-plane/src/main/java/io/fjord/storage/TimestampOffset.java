package io.fjord.storage;

/** A timestamp and an offset: the answer to a lookup by time. */
public record TimestampOffset(long timestamp, long offset) {}
