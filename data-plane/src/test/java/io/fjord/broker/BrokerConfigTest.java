package io.fjord.broker;

import io.fjord.storage.ConfigException;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BrokerConfigTest {
    @Test
    void unknownKeyIsRejectedByName() {
        ConfigException e = assertThrows(ConfigException.class, () -> BrokerConfig.of(Map.of("log.retention.msx", "1")));
        assertTrue(e.getMessage().contains("log.retention.msx"), e.getMessage());
    }

    @Test
    void aliasesAndUnitsAreKafkas() {
        BrokerConfig c = BrokerConfig.of(Map.of("broker.id", "7", "log.dir", "/tmp/x", "log.retention.hours", "2",
                "listeners", "PLAINTEXT://0.0.0.0:19092"));
        assertEquals(7, c.nodeId());
        assertEquals("/tmp/x", c.logDir().toString());
        assertEquals(7_200_000L, c.logDefaults().retentionMs());
        assertEquals(19092, c.listenerPort());
        assertEquals("0.0.0.0", c.listenerHost());
    }

    @Test
    void badValuesNameTheKey() {
        ConfigException e = assertThrows(ConfigException.class, () -> BrokerConfig.of(Map.of("num.partitions", "zero")));
        assertTrue(e.getMessage().contains("num.partitions"), e.getMessage());
        e = assertThrows(ConfigException.class, () -> BrokerConfig.of(Map.of("listeners", "nohostport")));
        assertTrue(e.getMessage().contains("listeners"), e.getMessage());
    }
}
