package io.fjord.it;

import io.fjord.broker.BrokerConfig;
import io.fjord.storage.LogConfig;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** The README documents every setting that exists, so it stays true as settings are added. */
class ReadmeTest {
    private static String readme() throws IOException {
        return Files.readString(Path.of(System.getProperty("user.dir")).getParent().resolve("README.md"));
    }

    @Test
    void everyBrokerSettingIsDocumented() throws IOException {
        String readme = readme();
        for (BrokerConfig.Setting s : BrokerConfig.SETTINGS) {
            assertTrue(readme.contains("`" + s.name() + "`"), "README.md does not document broker setting " + s.name());
        }
    }

    @Test
    void everyControllerSettingIsDocumented() throws IOException {
        String readme = readme();
        for (io.fjord.metadata.server.ControllerConfig.Setting s : io.fjord.metadata.server.ControllerConfig.SETTINGS) {
            assertTrue(readme.contains("| `" + s.name() + "`"), "README.md does not document controller setting " + s.name());
        }
    }

    @Test
    void everyTopicConfigIsDocumented() throws IOException {
        String readme = readme();
        for (String name : LogConfig.NAMES) {
            assertTrue(readme.contains("| `" + name + "`"), "README.md does not document topic config " + name);
        }
    }
}
