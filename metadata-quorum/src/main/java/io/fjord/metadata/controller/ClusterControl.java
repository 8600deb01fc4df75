package io.fjord.metadata.controller;

import io.fjord.metadata.image.BrokerRegistration;
import io.fjord.metadata.image.ControllerRegistration;
import io.fjord.metadata.image.MetadataImage;
import io.fjord.proto.ErrorCode;
import io.fjord.proto.controller.AllocateProducerIdsRequest;
import io.fjord.proto.controller.AllocateProducerIdsResponse;
import io.fjord.proto.controller.BrokerHeartbeatRequest;
import io.fjord.proto.controller.BrokerHeartbeatResponse;
import io.fjord.proto.controller.RegisterBrokerRequest;
import io.fjord.proto.controller.RegisterBrokerResponse;
import io.fjord.proto.metadata.BrokerRegistrationChangeRecord;
import io.fjord.proto.metadata.FenceBrokerRecord;
import io.fjord.proto.metadata.MetadataRecord;
import io.fjord.proto.metadata.ProducerIdsRecord;
import io.fjord.proto.metadata.RegisterBrokerRecord;
import io.fjord.proto.metadata.RegisterControllerRecord;
import io.fjord.proto.metadata.UnfenceBrokerRecord;

import java.util.ArrayList;
import java.util.List;

/**
 * Broker lifecycle commands: registration, heartbeats (unfencing, controlled shutdown), session expiry,
 * producer-id blocks, controller endpoints. Pure functions of an image, a request and the time, plus
 * the heartbeat manager's soft state.
 *
 * <p>A broker is caught up once it has applied its own registration record (offset = its broker epoch),
 * as in Kafka: it has then seen every record that came before it joined.
 *
 * <p>Threading: not thread-safe; used by the controller's command thread.
 */
public final class ClusterControl {
    public static final int PRODUCER_ID_BLOCK_SIZE = 1000;

    private final ControllerSettings settings;
    private final ReplicationControl replication;
    private final BrokerHeartbeatManager heartbeats;

    public ClusterControl(ControllerSettings settings, ReplicationControl replication, BrokerHeartbeatManager heartbeats) {
        this.settings = settings;
        this.replication = replication;
        this.heartbeats = heartbeats;
    }

    public BrokerHeartbeatManager heartbeats() {
        return heartbeats;
    }

    /** The response's broker_epoch is filled in by the caller: it is the offset the record commits at. */
    public ControllerResult<RegisterBrokerResponse> registerBroker(MetadataImage image, RegisterBrokerRequest req, long nowMs) {
        int id = req.getBrokerId();
        if (id < 0) {
            return registerError(ErrorCode.INVALID_REQUEST, "Broker id must be >= 0, got " + id + ".");
        }
        if (req.getIncarnationId().isEmpty()) {
            return registerError(ErrorCode.INVALID_REQUEST, "Broker " + id + " sent no incarnation id.");
        }
        if (!req.getClusterId().isEmpty() && !req.getClusterId().equals(settings.clusterId())) {
            return registerError(ErrorCode.INVALID_REQUEST, "Broker " + id + " belongs to cluster '" + req.getClusterId()
                    + "' but this controller quorum runs cluster '" + settings.clusterId() + "'.");
        }
        if (heartbeats.isRetired(id, req.getIncarnationId())) {
            return registerError(ErrorCode.DUPLICATE_BROKER_REGISTRATION, "Broker " + id + " incarnation "
                    + req.getIncarnationId() + " is stale: a newer process registered with this id since. Stop this process.");
        }
        BrokerRegistration existing = image.cluster().broker(id);
        if (existing != null && !existing.incarnationId().equals(req.getIncarnationId()) && !existing.fenced()
                && !heartbeats.sessionExpired(id, nowMs)) {
            long age = Math.max(0, heartbeats.lastContactAgeMs(id, nowMs));
            return registerError(ErrorCode.DUPLICATE_BROKER_REGISTRATION, "Broker id " + id
                    + " is already registered by another live process (incarnation " + existing.incarnationId()
                    + ", last heartbeat " + age + " ms ago; its session expires after " + heartbeats.sessionTimeoutMs()
                    + " ms without heartbeats). Is node.id duplicated?");
        }
        List<MetadataRecord> records = new ArrayList<>();
        if (existing != null && !existing.fenced()) {
            records.addAll(fence(image, existing));
        }
        if (existing != null && !existing.incarnationId().equals(req.getIncarnationId())) {
            heartbeats.retireIncarnation(id, existing.incarnationId());
        }
        records.add(MetadataRecord.newBuilder().setRegisterBroker(RegisterBrokerRecord.newBuilder()
                .setBrokerId(id).setIncarnationId(req.getIncarnationId()).addAllEndpoints(req.getEndpointsList())
                .setRack(req.getRack())).build());
        heartbeats.touch(id, nowMs);
        return new ControllerResult<>(records, RegisterBrokerResponse.newBuilder().setErrorCode(ErrorCode.NONE).build());
    }

    private static ControllerResult<RegisterBrokerResponse> registerError(ErrorCode code, String message) {
        return ControllerResult.of(RegisterBrokerResponse.newBuilder().setErrorCode(code).setErrorMessage(message).build());
    }

    public ControllerResult<BrokerHeartbeatResponse> brokerHeartbeat(MetadataImage image, BrokerHeartbeatRequest req, long nowMs) {
        int id = req.getBrokerId();
        BrokerRegistration b = image.cluster().broker(id);
        if (b == null || b.epoch() != req.getBrokerEpoch()) {
            String why = b == null ? "Broker " + id + " is not registered"
                    : "Broker " + id + " epoch " + req.getBrokerEpoch() + " is not the current registration (epoch " + b.epoch() + ")";
            return ControllerResult.of(BrokerHeartbeatResponse.newBuilder().setErrorCode(ErrorCode.STALE_BROKER_EPOCH)
                    .setErrorMessage(why + "; register again.").setIsFenced(true).build());
        }
        heartbeats.touch(id, nowMs);
        boolean caughtUp = req.getCurrentMetadataOffset() >= b.epoch();
        List<MetadataRecord> records = new ArrayList<>();
        boolean shouldShutDown = false;
        if (req.getWantShutdown()) {
            MetadataImage view = image;
            if (!b.fenced() && !b.inControlledShutdown()) {
                records.addAll(enterControlledShutdown(image, b));
                view = Scratch.with(image, records);
            }
            if (b.fenced() || !ReplicationControl.leadsAnything(view, id)) {
                shouldShutDown = true;
                BrokerRegistration now = view.cluster().broker(id);
                if (!now.fenced()) {
                    records.addAll(fence(view, now));
                }
            }
        } else if (b.fenced() && caughtUp && !req.getWantFence() && !b.inControlledShutdown()) {
            records.addAll(unfence(image, b));
        } else if (!b.fenced() && req.getWantFence()) {
            records.addAll(fence(image, b));
        }
        MetadataImage after = Scratch.with(image, records);
        return new ControllerResult<>(records, BrokerHeartbeatResponse.newBuilder().setErrorCode(ErrorCode.NONE)
                .setIsCaughtUp(caughtUp).setIsFenced(after.cluster().broker(id).fenced())
                .setShouldShutDown(shouldShutDown).build());
    }

    /**
     * Fences every unfenced broker whose session expired, or whose session stream broke and was not
     * restored (reopened, or a heartbeat received after the break) within the connection grace.
     */
    public ControllerResult<List<Integer>> fenceExpiredBrokers(MetadataImage image, long nowMs) {
        List<Integer> unfenced = image.cluster().brokers().values().stream()
                .filter(b -> !b.fenced()).map(BrokerRegistration::id).toList();
        List<Integer> toFence = new ArrayList<>(heartbeats.expired(unfenced, nowMs));
        for (BrokerHeartbeatManager.LostConnection lost : heartbeats.graceExpired(nowMs)) {
            int id = lost.brokerId();
            BrokerRegistration b = image.cluster().broker(id);
            // Only the registration whose stream broke: a fenced broker, or one that registered anew
            // since (a restarted process), is left alone.
            if (b != null && !b.fenced() && b.epoch() == lost.brokerEpoch() && !toFence.contains(id)) {
                toFence.add(id);
            }
            heartbeats.fenced(id);
        }
        toFence.sort(null);
        List<MetadataRecord> records = new ArrayList<>();
        MetadataImage view = image;
        for (int id : toFence) {
            List<MetadataRecord> mine = fence(view, view.cluster().broker(id));
            records.addAll(mine);
            view = Scratch.with(view, mine);
        }
        return new ControllerResult<>(records, toFence);
    }

    /**
     * A BrokerSession stream was opened for {@code brokerEpoch}: counted, and a lost connection of the
     * broker is restored. Returns false (nothing counted) when that is not the current registration.
     */
    public boolean brokerSessionOpened(MetadataImage image, int brokerId, long brokerEpoch) {
        BrokerRegistration b = image.cluster().broker(brokerId);
        if (b == null || b.epoch() != brokerEpoch) {
            return false;
        }
        heartbeats.sessionOpened(brokerId);
        return true;
    }

    /**
     * A BrokerSession stream counted by {@link #brokerSessionOpened} ended; {@code broken} when the
     * broker's side went away (cancelled, connection closed) rather than this controller ending it.
     * Returns true when the broker now counts as disconnected (fenced once the grace passes).
     */
    public boolean brokerSessionClosed(MetadataImage image, int brokerId, long brokerEpoch, boolean broken, long nowMs) {
        BrokerRegistration b = image.cluster().broker(brokerId);
        boolean matters = broken && b != null && !b.fenced() && b.epoch() == brokerEpoch;
        return heartbeats.sessionClosed(brokerId, brokerEpoch, matters, nowMs);
    }

    public ControllerResult<AllocateProducerIdsResponse> allocateProducerIds(MetadataImage image, AllocateProducerIdsRequest req) {
        BrokerRegistration b = image.cluster().broker(req.getBrokerId());
        if (b == null || b.epoch() != req.getBrokerEpoch()) {
            return ControllerResult.of(AllocateProducerIdsResponse.newBuilder().setErrorCode(ErrorCode.STALE_BROKER_EPOCH)
                    .setErrorMessage("Broker " + req.getBrokerId() + " epoch " + req.getBrokerEpoch() + " is not current; register again.").build());
        }
        long start = image.producerIds().nextProducerId();
        MetadataRecord r = MetadataRecord.newBuilder().setProducerIds(ProducerIdsRecord.newBuilder()
                .setBrokerId(b.id()).setBrokerEpoch(b.epoch()).setNextProducerId(start + PRODUCER_ID_BLOCK_SIZE)).build();
        return new ControllerResult<>(List.of(r), AllocateProducerIdsResponse.newBuilder().setErrorCode(ErrorCode.NONE)
                .setProducerIdStart(start).setProducerIdLen(PRODUCER_ID_BLOCK_SIZE).build());
    }

    /** The record announcing a controller's API endpoint, or none when the image already says so. */
    public static List<MetadataRecord> registerController(MetadataImage image, int controllerId, String host, int port) {
        ControllerRegistration current = image.cluster().controllers().get(controllerId);
        if (current != null && current.host().equals(host) && current.port() == port) {
            return List.of();
        }
        return List.of(MetadataRecord.newBuilder().setRegisterController(RegisterControllerRecord.newBuilder()
                .setControllerId(controllerId).setHost(host).setPort(port)).build());
    }

    private List<MetadataRecord> fence(MetadataImage image, BrokerRegistration b) {
        List<MetadataRecord> out = new ArrayList<>();
        out.add(MetadataRecord.newBuilder().setFenceBroker(FenceBrokerRecord.newBuilder()
                .setBrokerId(b.id()).setBrokerEpoch(b.epoch())).build());
        out.addAll(replication.brokerLeaving(Scratch.with(image, out), b.id()));
        heartbeats.fenced(b.id());
        return out;
    }

    private List<MetadataRecord> unfence(MetadataImage image, BrokerRegistration b) {
        List<MetadataRecord> out = new ArrayList<>();
        out.add(MetadataRecord.newBuilder().setUnfenceBroker(UnfenceBrokerRecord.newBuilder()
                .setBrokerId(b.id()).setBrokerEpoch(b.epoch())).build());
        out.addAll(replication.brokerJoined(Scratch.with(image, out), b.id()));
        return out;
    }

    private List<MetadataRecord> enterControlledShutdown(MetadataImage image, BrokerRegistration b) {
        List<MetadataRecord> out = new ArrayList<>();
        out.add(MetadataRecord.newBuilder().setBrokerRegistrationChange(BrokerRegistrationChangeRecord.newBuilder()
                .setBrokerId(b.id()).setBrokerEpoch(b.epoch()).setInControlledShutdown(true)).build());
        out.addAll(replication.brokerLeaving(Scratch.with(image, out), b.id()));
        return out;
    }
}
