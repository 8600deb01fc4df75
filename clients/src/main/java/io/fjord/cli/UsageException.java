package io.fjord.cli;

/** A command line that cannot be run as written: exit code 2 and a hint to run --help. */
final class UsageException extends Exception {
    private final String command;

    /** @param command the command whose --help to suggest, e.g. "fjord topics create" */
    UsageException(String command, String message) {
        super(message);
        this.command = command;
    }

    String command() {
        return command;
    }
}
