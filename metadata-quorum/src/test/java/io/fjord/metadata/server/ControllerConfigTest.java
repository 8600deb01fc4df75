package io.fjord.metadata.server;

import io.fjord.metadata.common.ConfigException;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class ControllerConfigTest {
    private static Map<String, String> base() {
        Map<String, String> m = new HashMap<>();
        m.put("node.id", "2");
        m.put("controller.quorum.voters", "1@127.0.0.1:19091,2@127.0.0.1:19092,3@127.0.0.1:19093");
        return m;
    }

    @Test
    void defaultsAndKafkaNames() {
        Map<String, String> m = base();
        m.put("process.roles", "controller");
        m.put("log.dirs", "/data/ctl");
        ControllerConfig c = ControllerConfig.of(m);
        assertEquals(2, c.nodeId());
        assertEquals(Map.of(1, "127.0.0.1:19091", 2, "127.0.0.1:19092", 3, "127.0.0.1:19093"), c.voters());
        assertEquals(Path.of("/data/ctl"), c.metadataLogDir());
        assertEquals(6000, c.sessionTimeoutMs());
        assertEquals(500, c.heartbeatIntervalMs());
        assertEquals(300, c.connectionGraceMs());
        assertEquals(300, c.settings().connectionGraceMs());
        assertEquals(10000, c.snapshotIntervalRecords());
        assertEquals("127.0.0.1", c.listenerHost());
        assertEquals(9093, c.listenerPort());
        assertEquals(-1, c.advertisedPort());
    }

    @Test
    void unknownKeyIsNamed() {
        Map<String, String> m = base();
        m.put("broker.sesion.timeout.ms", "1");
        ConfigException e = assertThrows(ConfigException.class, () -> ControllerConfig.of(m));
        assertTrue(e.getMessage().contains("'broker.sesion.timeout.ms'"), e.getMessage());
    }

    @Test
    void badValuesAreExplained() {
        Map<String, String> notVoter = base();
        notVoter.put("node.id", "7");
        assertTrue(assertThrows(ConfigException.class, () -> ControllerConfig.of(notVoter)).getMessage().contains("not among"));
        Map<String, String> badVoters = base();
        badVoters.put("controller.quorum.voters", "1@host");
        assertTrue(assertThrows(ConfigException.class, () -> ControllerConfig.of(badVoters)).getMessage().contains("id@host:port"));
        Map<String, String> missing = base();
        missing.remove("controller.quorum.voters");
        assertTrue(assertThrows(ConfigException.class, () -> ControllerConfig.of(missing)).getMessage().contains("required"));
        Map<String, String> roles = base();
        roles.put("process.roles", "broker,controller");
        assertThrows(ConfigException.class, () -> ControllerConfig.of(roles));
        Map<String, String> hb = base();
        hb.put("broker.heartbeat.interval.ms", "9000");
        assertThrows(ConfigException.class, () -> ControllerConfig.of(hb));
    }

    @Test
    void connectionGraceIsBelowTheSessionOrOff() {
        Map<String, String> off = base();
        off.put("broker.connection.grace.ms", "-1");
        assertEquals(-1, ControllerConfig.of(off).settings().connectionGraceMs());
        Map<String, String> tooLong = base();
        tooLong.put("broker.connection.grace.ms", "6000");
        assertTrue(assertThrows(ConfigException.class, () -> ControllerConfig.of(tooLong)).getMessage()
                .contains("'broker.connection.grace.ms' (6000) must be smaller than 'broker.session.timeout.ms' (6000)"));
        Map<String, String> negative = base();
        negative.put("broker.connection.grace.ms", "-5");
        assertThrows(ConfigException.class, () -> ControllerConfig.of(negative));
    }
}
