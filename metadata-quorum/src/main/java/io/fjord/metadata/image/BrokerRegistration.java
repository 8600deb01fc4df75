package io.fjord.metadata.image;

import io.fjord.proto.NodeEndpoint;
import io.fjord.proto.metadata.BrokerRegistrationChangeRecord;
import io.fjord.proto.metadata.MetadataRecord;
import io.fjord.proto.metadata.RegisterBrokerRecord;
import io.fjord.proto.metadata.UnfenceBrokerRecord;

import java.util.ArrayList;
import java.util.List;

/**
 * A registered broker.
 *
 * @param epoch the metadata offset of its registration record; a newer registration has a larger epoch
 * @param incarnationId a fresh UUID per broker process
 * @param fenced a fenced broker leads nothing and is not eligible for new replicas
 * @param inControlledShutdown the broker is shutting down: no new leaderships
 */
public record BrokerRegistration(int id, long epoch, String incarnationId, List<NodeEndpoint> endpoints,
                                 String rack, boolean fenced, boolean inControlledShutdown) {
    public BrokerRegistration {
        endpoints = List.copyOf(endpoints);
    }

    public BrokerRegistration withFenced(boolean value) {
        return new BrokerRegistration(id, epoch, incarnationId, endpoints, rack, value, inControlledShutdown);
    }

    public BrokerRegistration withControlledShutdown(boolean value) {
        return new BrokerRegistration(id, epoch, incarnationId, endpoints, rack, fenced, value);
    }

    /** Unfenced and not shutting down: may lead and may receive new replicas. */
    public boolean isActive() {
        return !fenced && !inControlledShutdown;
    }

    /** The records that recreate this registration from nothing. */
    public List<MetadataRecord> toRecords() {
        List<MetadataRecord> out = new ArrayList<>(3);
        out.add(MetadataRecord.newBuilder().setRegisterBroker(RegisterBrokerRecord.newBuilder()
                .setBrokerId(id).setIncarnationId(incarnationId).setBrokerEpoch(epoch)
                .addAllEndpoints(endpoints).setRack(rack)).build());
        if (!fenced) {
            out.add(MetadataRecord.newBuilder().setUnfenceBroker(UnfenceBrokerRecord.newBuilder()
                    .setBrokerId(id).setBrokerEpoch(epoch)).build());
        }
        if (inControlledShutdown) {
            out.add(MetadataRecord.newBuilder().setBrokerRegistrationChange(BrokerRegistrationChangeRecord.newBuilder()
                    .setBrokerId(id).setBrokerEpoch(epoch).setInControlledShutdown(true)).build());
        }
        return out;
    }
}
