package io.fjord.clients.admin;

import io.fjord.clients.common.Node;
import java.util.Collection;
import java.util.List;

/**
 * What {@link FjordAdmin#describeCluster()} returns, as Kafka's DescribeClusterResult.
 *
 * @param controllerId -1 when the answering broker did not know the controller
 */
public record ClusterDescription(String clusterId, int controllerId, Collection<Node> nodes) {
    public ClusterDescription {
        nodes = List.copyOf(nodes);
    }
}
