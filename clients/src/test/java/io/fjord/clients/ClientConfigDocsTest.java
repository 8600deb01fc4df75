package io.fjord.clients;

import io.fjord.clients.admin.AdminConfig;
import io.fjord.clients.common.config.ConfigDef;
import io.fjord.clients.consumer.ConsumerConfig;
import io.fjord.clients.producer.ProducerConfig;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.reflect.Field;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * docs/CLIENTS.md's tables are generated from the clients' ConfigDefs, so they list every setting
 * with its real default. This test fails when they drift; run it with -Dfjord.docs.rewrite=true to
 * regenerate them, then review the diff.
 */
class ClientConfigDocsTest {
    private static final Path DOC = Path.of(System.getProperty("user.dir")).getParent().resolve("docs/CLIENTS.md");
    private static final String BEGIN = "<!-- generated tables: begin -->";
    private static final String END = "<!-- generated tables: end -->";

    @Test
    void clientDocsListEverySettingWithItsDefault() throws Exception {
        Map<String, ConfigDef> defs = new LinkedHashMap<>();
        defs.put("Producer (`FjordProducer`, `fjord produce --producer-props`)", def(ProducerConfig.class));
        defs.put("Consumer (`FjordConsumer`, `fjord consume --property`)", def(ConsumerConfig.class));
        defs.put("Admin (`FjordAdmin`)", def(AdminConfig.class));
        StringBuilder sb = new StringBuilder(BEGIN).append('\n');
        for (Map.Entry<String, ConfigDef> e : defs.entrySet()) {
            sb.append("\n### ").append(e.getKey()).append("\n\n| setting | default | meaning |\n|---|---|---|\n");
            for (ConfigDef.Key k : e.getValue().keys().values()) {
                Object d = k.defaultValue();
                String shown = d == ConfigDef.NO_DEFAULT ? "(required)" : d == null ? "(none)" : "".equals(d) ? "(empty)" : "`" + d + "`";
                sb.append("| `").append(k.name()).append("` | ").append(shown).append(" | ").append(k.doc().replace("|", "\\|")).append(" |\n");
            }
        }
        sb.append('\n').append(END);
        String generated = sb.toString();
        String doc = Files.readString(DOC);
        int b = doc.indexOf(BEGIN);
        int en = doc.indexOf(END);
        String current = b >= 0 && en > b ? doc.substring(b, en + END.length()) : "";
        if (Boolean.getBoolean("fjord.docs.rewrite")) {
            String next = b >= 0 && en > b ? doc.substring(0, b) + generated + doc.substring(en + END.length()) : doc + "\n" + generated + "\n";
            Files.writeString(DOC, next);
            return;
        }
        assertEquals(generated, current, "docs/CLIENTS.md is out of date: run mvn -pl clients test -Dtest=ClientConfigDocsTest -Dfjord.docs.rewrite=true");
    }

    private static ConfigDef def(Class<?> c) throws ReflectiveOperationException, IOException {
        Field f = c.getDeclaredField("DEF");
        f.setAccessible(true);
        return (ConfigDef) f.get(null);
    }
}
