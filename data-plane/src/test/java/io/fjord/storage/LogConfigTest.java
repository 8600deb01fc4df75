package io.fjord.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.EnumSet;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LogConfigTest {
    @Test
    void defaultsAreKafkas() {
        LogConfig d = LogConfig.defaults();
        assertEquals(1_073_741_824L, d.segmentBytes());
        assertEquals(604_800_000L, d.segmentMs());
        assertEquals(4096, d.indexIntervalBytes());
        assertEquals(10_485_760, d.segmentIndexBytes());
        assertEquals(604_800_000L, d.retentionMs());
        assertEquals(-1L, d.retentionBytes());
        assertEquals(Long.MAX_VALUE, d.flushMessages());
        assertEquals(Long.MAX_VALUE, d.flushMs());
        assertEquals(1_048_588, d.maxMessageBytes());
        assertFalse(d.logAppendTime());
        assertEquals(60_000L, d.fileDeleteDelayMs());
        assertEquals(EnumSet.of(LogConfig.CleanupPolicy.DELETE), d.cleanupPolicy());
        assertEquals(1, d.minInsyncReplicas());
        assertFalse(d.uncleanLeaderElectionEnable());
        assertEquals(LogConfig.NAMES, d.toMap().keySet());
    }

    @Test
    void fromMapOverlaysTopicConfigsOnTheBase() {
        LogConfig base = LogConfig.fromMap(Map.of("retention.ms", "1000"), LogConfig.defaults());
        LogConfig c = LogConfig.fromMap(Map.of("segment.bytes", " 2048 ", "message.timestamp.type", "LogAppendTime",
                "cleanup.policy", "compact,delete", "min.insync.replicas", "2", "unclean.leader.election.enable", "TRUE",
                "retention.bytes", "-1", "flush.messages", "1", "file.delete.delay.ms", "0"), base);
        assertEquals(2048, c.segmentBytes());
        assertEquals(1000, c.retentionMs(), "kept from the base");
        assertTrue(c.logAppendTime());
        assertEquals(EnumSet.allOf(LogConfig.CleanupPolicy.class), c.cleanupPolicy());
        assertEquals(2, c.minInsyncReplicas());
        assertTrue(c.uncleanLeaderElectionEnable());
        assertEquals(1, c.flushMessages());
        assertEquals(c, LogConfig.fromMap(c.toMap(), LogConfig.defaults()), "toMap round-trips");
        assertEquals("LogAppendTime", c.toMap().get("message.timestamp.type"));
        assertEquals(-1, LogConfig.fromMap(Map.of("retention.ms", "-1"), base).retentionMs(), "-1 keeps forever");
    }

    @Test
    void unknownKeysAreRejectedByName() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> LogConfig.fromMap(Map.of("retention.hours", "1"), LogConfig.defaults()));
        assertTrue(e.getMessage().startsWith("Unknown topic config 'retention.hours'"), e.getMessage());
        assertTrue(e.getMessage().contains("retention.ms"), "lists the known names: " + e.getMessage());
    }

    @Test
    void badValuesNameTheKeyTheValueAndWhatIsAllowed() {
        assertBad("segment.bytes", "abc", "must be an integer");
        assertBad("segment.bytes", "13", "between 14 and 2147483647");
        assertBad("segment.bytes", "3000000000", "2147483647");
        assertBad("segment.ms", "0", ">= 1");
        assertBad("retention.ms", "-2", ">= -1");
        assertBad("retention.bytes", "-5", ">= -1");
        assertBad("flush.messages", "0", ">= 1");
        assertBad("index.interval.bytes", "-1", "between 0 and 2147483647");
        assertBad("segment.index.bytes", "3", "between 4 and");
        assertBad("max.message.bytes", "1.5", "must be an integer");
        assertBad("message.timestamp.type", "createtime", "CreateTime or LogAppendTime");
        assertBad("cleanup.policy", "delete,shred", "delete and compact");
        assertBad("cleanup.policy", "", "delete and compact");
        assertBad("min.insync.replicas", "0", "between 1 and");
        assertBad("unclean.leader.election.enable", "yes", "true or false");
        Map<String, String> nullValue = new HashMap<>();
        nullValue.put("segment.ms", null);
        assertThrows(ConfigException.class, () -> LogConfig.fromMap(nullValue, LogConfig.defaults()));
    }

    private static void assertBad(String key, String value, String allowed) {
        ConfigException e = assertThrows(ConfigException.class,
                () -> LogConfig.fromMap(Map.of(key, value), LogConfig.defaults()), key + "=" + value);
        String m = e.getMessage();
        assertTrue(m.contains("'" + key + "'") && m.contains("'" + value + "'") && m.contains(allowed), m);
    }
}
