package io.fjord.metadata.controller;

import io.fjord.proto.metadata.MetadataRecord;

import java.util.List;

/**
 * What a controller command decided: the records to append to the metadata log (possibly none) and
 * the answer to give once they are committed.
 */
public record ControllerResult<T>(List<MetadataRecord> records, T response) {
    public ControllerResult {
        records = List.copyOf(records);
    }

    public static <T> ControllerResult<T> of(T response) {
        return new ControllerResult<>(List.of(), response);
    }
}
