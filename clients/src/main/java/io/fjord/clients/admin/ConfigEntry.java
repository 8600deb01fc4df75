package io.fjord.clients.admin;

/** One topic config as the broker reports it; {@code isDefault} when it is not a topic-level override. */
public record ConfigEntry(String name, String value, boolean isDefault) {}
