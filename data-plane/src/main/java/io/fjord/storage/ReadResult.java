package io.fjord.storage;

import java.nio.ByteBuffer;

/**
 * Whole record batches read from the log, as stored on disk (position 0, limit = bytes read; a fresh
 * heap buffer the caller owns), with the log bounds at the time of the read.
 */
public record ReadResult(ByteBuffer records, long logStartOffset, long logEndOffset) {}
