package io.fjord.clients.common.config;

import io.fjord.clients.common.errors.ConfigException;
import java.lang.reflect.InvocationTargetException;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/** Parsed, typed configs of one client, and the originals as the user gave them. */
public class ClientConfig {
    private final Map<String, Object> originals;
    private final Map<String, Object> values;

    public ClientConfig(ConfigDef def, Map<?, ?> props) {
        Map<String, Object> copy = new HashMap<>();
        props.forEach((k, v) -> copy.put(String.valueOf(k), v));
        this.originals = Collections.unmodifiableMap(copy);
        this.values = def.parse(props);
    }

    public static Map<String, Object> toMap(Properties props) {
        Map<String, Object> map = new HashMap<>();
        for (String name : props.stringPropertyNames()) {
            map.put(name, props.getProperty(name));
        }
        // non-string keys or values are not seen by stringPropertyNames(); keep them so parsing can name them
        props.forEach((k, v) -> {
            if (!(k instanceof String) || !(v instanceof String)) {
                map.put(String.valueOf(k), v);
            }
        });
        return map;
    }

    public Map<String, Object> originals() {
        return originals;
    }

    public boolean isGiven(String name) {
        return originals.containsKey(name);
    }

    public int getInt(String name) {
        return (Integer) get(name);
    }

    public long getLong(String name) {
        return (Long) get(name);
    }

    public boolean getBoolean(String name) {
        return (Boolean) get(name);
    }

    public String getString(String name) {
        return (String) get(name);
    }

    @SuppressWarnings("unchecked")
    public List<String> getList(String name) {
        return (List<String>) get(name);
    }

    public Class<?> getClass(String name) {
        return (Class<?>) get(name);
    }

    private Object get(String name) {
        if (!values.containsKey(name)) {
            throw new IllegalArgumentException("config " + name + " is not defined");
        }
        return values.get(name);
    }

    /** Instantiates the class named by a config and checks that it implements {@code type}. */
    public <T> T getConfiguredInstance(String name, Class<T> type) {
        Class<?> c = getClass(name);
        if (c == null) {
            return null;
        }
        if (!type.isAssignableFrom(c)) {
            throw new ConfigException("Config '" + name + "': " + c.getName() + " is not a " + type.getName() + ".");
        }
        try {
            return type.cast(c.getDeclaredConstructor().newInstance());
        } catch (NoSuchMethodException | InstantiationException | IllegalAccessException e) {
            throw new ConfigException("Config '" + name + "': " + c.getName()
                    + " needs a public no-argument constructor.", e);
        } catch (InvocationTargetException e) {
            throw new ConfigException("Config '" + name + "': the constructor of " + c.getName() + " failed: "
                    + e.getCause(), e.getCause());
        }
    }
}
