package io.fjord.replication.follower;

import io.fjord.proto.ErrorCode;

/**
 * A followed partition's state in its fetcher (STYLE 7). The fetch position is not kept here: it is
 * the log's end offset and latest epoch, read when each request is built, so that appends and
 * truncations cannot leave a stale copy behind.
 */
public sealed interface FollowerPartitionState
        permits FollowerPartitionState.Fetching, FollowerPartitionState.Delayed, FollowerPartitionState.AwaitingMetadata {

    /** The leader epoch this replica follows at, sent as current_leader_epoch. */
    int leaderEpoch();

    /** In the next fetch request. */
    record Fetching(int leaderEpoch) implements FollowerPartitionState {}

    /** Left out of requests until {@code retryAtMs} after {@code cause} (replica.fetch.backoff.ms). */
    record Delayed(int leaderEpoch, long retryAtMs, ErrorCode cause) implements FollowerPartitionState {}

    /**
     * The source said we are fenced or it is not the leader: fetching again cannot help until the
     * metadata names a leader and epoch again ({@link ReplicaFetcher#addPartition}).
     */
    record AwaitingMetadata(int leaderEpoch, ErrorCode cause) implements FollowerPartitionState {}
}
