package io.fjord.clients.admin;

import java.util.Optional;

/**
 * One partition's answer to {@link FjordAdmin#listOffsets}, as Kafka's ListOffsetsResultInfo.
 *
 * @param offset -1 when a timestamp was searched for and no record has one at or after it
 * @param timestamp the found record's timestamp; -1 for earliest/latest and when nothing was found
 * @param leaderEpoch empty when the leader did not give one
 */
public record ListOffsetsResultInfo(long offset, long timestamp, Optional<Integer> leaderEpoch) {}
