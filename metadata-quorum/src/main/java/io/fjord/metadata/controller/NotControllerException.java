package io.fjord.metadata.controller;

/** This controller is not the active one (or lost leadership while writing); ask the active controller. */
public final class NotControllerException extends RuntimeException {
    public NotControllerException(String message) {
        super(message);
    }

    public NotControllerException(String message, Throwable cause) {
        super(message, cause);
    }
}
