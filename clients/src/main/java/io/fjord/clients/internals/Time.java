package io.fjord.clients.internals;

/** The clock the clients read, injected so that tests can move time instead of sleeping. */
public interface Time {
    long milliseconds();

    long nanoseconds();

    Time SYSTEM = new Time() {
        @Override
        public long milliseconds() {
            return System.currentTimeMillis();
        }

        @Override
        public long nanoseconds() {
            return System.nanoTime();
        }
    };
}
