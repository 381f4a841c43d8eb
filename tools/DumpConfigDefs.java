// Prints, as one JSON document, every key of every plugin's ConfigDef with its type, whether it
// is required (no default) and its validator as data: what `GET /connector-plugins/{class}/config`
// leaves out. kconnect.validate.catalog_gen runs it with the worker's class path and plugin path:
//
//   java -cp '<kafka>/libs/*' DumpConfigDefs.java <plugin.path dir>...
//
// Classes are found as the worker finds them with plugin.discovery=service_load: ServiceLoader
// over the class path and over one class loader per plugin folder (parent-first, like the
// worker's delegating loader for org.apache.kafka classes). Besides the plugins it prints the
// framework's own ConfigDefs (ConnectorConfig, SinkConnectorConfig, SourceConnectorConfig,
// TopicCreationConfig) and the Kafka clients' (producer, consumer, admin).
//
// Validators that are ConfigDef classes (Range, ValidString, CaseInsensitiveValidString,
// ValidList, NonEmptyString, ...) become {"kind": ...} objects; any other validator is code and
// is printed as {"kind": "code", "class", "text"} for a hand-written rule to cover.
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.File;
import java.lang.reflect.Field;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeMap;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.connect.runtime.ConnectorConfig;
import org.apache.kafka.connect.runtime.SinkConnectorConfig;
import org.apache.kafka.connect.runtime.SourceConnectorConfig;
import org.apache.kafka.connect.runtime.TopicCreationConfig;

public class DumpConfigDefs {
    static Object field(Object target, String name) {
        for (Class<?> c = target.getClass(); c != null; c = c.getSuperclass()) {
            try {
                Field f = c.getDeclaredField(name);
                f.setAccessible(true);
                return f.get(target);
            } catch (NoSuchFieldException e) {
                // look in the superclass
            } catch (ReflectiveOperationException | RuntimeException e) {
                return null;
            }
        }
        return null;
    }

    static List<String> strings(Object values) {
        List<String> out = new ArrayList<>();
        if (values instanceof Collection<?> c) {
            for (Object v : c) out.add(String.valueOf(v));
        }
        return out;
    }

    static Map<String, Object> validator(ConfigDef.Validator v) {
        if (v == null) return null;
        Map<String, Object> out = new LinkedHashMap<>();
        String simple = v.getClass().getName().replace("org.apache.kafka.common.config.ConfigDef$", "");
        switch (simple) {
            case "Range" -> {
                out.put("kind", "range");
                out.put("min", field(v, "min"));
                out.put("max", field(v, "max"));
            }
            case "ValidString" -> {
                out.put("kind", "enum");
                out.put("values", strings(field(v, "validStrings")));
                out.put("case_sensitive", true);
            }
            case "CaseInsensitiveValidString" -> {
                out.put("kind", "enum");
                out.put("values", strings(field(v, "validStrings")));
                out.put("case_sensitive", false);
            }
            case "ValidList" -> {
                out.put("kind", "list");
                Object inner = field(v, "validString");
                out.put("values", inner == null ? List.of() : strings(field(inner, "validStrings")));
                out.put("empty_allowed", field(v, "isEmptyAllowed"));
                out.put("null_allowed", field(v, "isNullAllowed"));
            }
            case "NonEmptyString" -> out.put("kind", "non_empty");
            case "NonEmptyStringWithoutControlChars" -> out.put("kind", "non_empty_no_control");
            case "NonNullValidator" -> out.put("kind", "non_null");
            case "CompositeValidator" -> {
                out.put("kind", "all");
                List<Object> parts = new ArrayList<>();
                Object inner = field(v, "validators");
                if (inner instanceof Collection<?> c) {
                    for (Object p : c) parts.add(validator((ConfigDef.Validator) p));
                }
                out.put("validators", parts);
            }
            default -> {
                out.put("kind", "code");
                out.put("class", v.getClass().getName());
                String text;
                try {
                    text = v.toString();
                } catch (RuntimeException e) {
                    text = "";
                }
                out.put("text", text);
            }
        }
        return out;
    }

    static List<Map<String, Object>> keys(ConfigDef def) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (ConfigDef.ConfigKey k : def.configKeys().values()) {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("name", k.name);
            entry.put("type", k.type.name());
            entry.put("required", !k.hasDefault());
            entry.put("validator", validator(k.validator));
            out.add(entry);
        }
        return out;
    }

    // Debezium checks its keys in code (io.debezium.config.Field validators, run by the connector's
    // validate()), not in the ConfigDef. Each Field's validator is run here on a few probe values
    // (absent, empty, not a number, -1, 0, 1, out of int range, not a regex, an allowed value in
    // other case, a made-up value) with only that key set; the outcomes become "probes" on the key.
    static final String[] NUMBER_PROBES = {"abc", "-1", "0", "1", "2147483648"};

    static List<Map<String, Object>> probe(
            Object field, String name, String type, Object allowed, ClassLoader loader,
            java.lang.reflect.Method from, java.lang.reflect.Method validate, Class<?> output) {
        List<String> values = new ArrayList<>();
        values.add(null);
        values.add("");
        if (type.equals("INT") || type.equals("LONG") || type.equals("SHORT")) {
            values.addAll(List.of(NUMBER_PROBES));
        } else if (type.equals("BOOLEAN")) {
            values.add("maybe");
        } else {
            values.add("(");
            values.add("kconnect-not-a-value");
            List<String> allowedValues = strings(allowed);
            if (!allowedValues.isEmpty()) {
                values.add(allowedValues.get(0).toUpperCase());
                values.add(" " + allowedValues.get(0) + " ");
                for (String each : allowedValues) {
                    if (!values.contains(each)) values.add(each);
                }
            }
        }
        List<Map<String, Object>> probes = new ArrayList<>();
        for (String value : values) {
            Map<String, Object> config = new LinkedHashMap<>();
            if (value != null) config.put(name, value);
            List<String> messages = new ArrayList<>();
            Object collect = java.lang.reflect.Proxy.newProxyInstance(
                    loader, new Class<?>[] {output},
                    (proxy, method, args) -> {
                if (method.getName().equals("accept")) messages.add(String.valueOf(args[2]));
                return null;
                    });
            Map<String, Object> probe = new LinkedHashMap<>();
            probe.put("value", value);
            try {
                validate.invoke(field, from.invoke(null, config), collect);
                probe.put("ok", messages.isEmpty());
                if (!messages.isEmpty()) probe.put("message", messages.get(0));
            } catch (ReflectiveOperationException | RuntimeException e) {
                probe.put("ok", null);
                probe.put("message", String.valueOf(e.getCause() != null ? e.getCause() : e));
            }
            probes.add(probe);
        }
        return probes;
    }

    static void probeDebeziumFields(Object plugin, ClassLoader loader, List<Map<String, Object>> keys) {
        Object fields;
        try {
            fields = plugin.getClass().getMethod("getConfigFields").invoke(plugin);
        } catch (ReflectiveOperationException e) {
            return; // not a Debezium connector
        }
        Map<String, Map<String, Object>> byName = new LinkedHashMap<>();
        for (Map<String, Object> k : keys) byName.put((String) k.get("name"), k);
        try {
            Class<?> configuration = Class.forName("io.debezium.config.Configuration", true, loader);
            Class<?> fieldClass = Class.forName("io.debezium.config.Field", true, loader);
            Class<?> output = Class.forName("io.debezium.config.Field$ValidationOutput", true, loader);
            java.lang.reflect.Method from = configuration.getMethod("from", Map.class);
            java.lang.reflect.Method validate = fieldClass.getMethod("validate", configuration, output);
            for (Object field : (Iterable<?>) fields) {
                String name = (String) fieldClass.getMethod("name").invoke(field);
                String type = String.valueOf(fieldClass.getMethod("type").invoke(field));
                Object allowed = fieldClass.getMethod("allowedValues").invoke(field);
                List<Map<String, Object>> probes = probe(field, name, type, allowed, loader, from, validate, output);
                Map<String, Object> entry = byName.get(name);
                if (entry == null) {
                    entry = new LinkedHashMap<>();
                    entry.put("name", name);
                    entry.put("type", type);
                    entry.put("required", false);
                    entry.put("validator", null);
                    entry.put("field_only", true);
                    keys.add(entry);
                    byName.put(name, entry);
                }
                List<String> allowedValues = strings(allowed);
                if (!allowedValues.isEmpty()) entry.put("field_allowed", allowedValues);
                entry.put("probes", probes);
            }
            // Keys Debezium reads but the connector's ConfigDef does not list: every static Field
            // of its config class hierarchy and of the schema history, topic naming and signal
            // classes it loads by default.
            List<Object> extra = new ArrayList<>();
            List<String> owners = new ArrayList<>(List.of(
                    "io.debezium.storage.kafka.history.KafkaSchemaHistory",
                    "io.debezium.storage.file.history.FileSchemaHistory",
                    "io.debezium.relational.history.SchemaHistory",
                    "io.debezium.schema.AbstractTopicNamingStrategy",
                    "io.debezium.pipeline.signal.channels.KafkaSignalChannel",
                    "io.debezium.pipeline.signal.channels.FileSignalChannel"));
            Class<?> configClass;
            try {
                configClass = Class.forName(plugin.getClass().getName() + "Config", true, loader);
            } catch (ClassNotFoundException e) {
                configClass = null; // an SMT or converter: its config() is all there is
            }
            if (!(plugin instanceof org.apache.kafka.connect.connector.Connector)) {
                owners.clear(); // schema history, topic naming and signals are a connector's
            }
            for (Class<?> c = configClass; c != null && c != Object.class; c = c.getSuperclass()) {
                owners.add(c.getName());
            }
            for (String owner : owners) {
                Class<?> c;
                try {
                    c = Class.forName(owner, true, loader);
                } catch (ClassNotFoundException e) {
                    continue;
                }
                for (java.lang.reflect.Field f : c.getDeclaredFields()) {
                    if (!java.lang.reflect.Modifier.isStatic(f.getModifiers()) || f.getType() != fieldClass) continue;
                    try {
                        f.setAccessible(true);
                        Object field = f.get(null);
                        String name = (String) fieldClass.getMethod("name").invoke(field);
                        if (field != null && !byName.containsKey(name)) {
                            extra.add(field);
                            Map<String, Object> entry = new LinkedHashMap<>();
                            entry.put("name", name);
                            entry.put("type", String.valueOf(fieldClass.getMethod("type").invoke(field)));
                            entry.put("required", false);
                            entry.put("validator", null);
                            entry.put("field_only", true);
                            entry.put("declared_in", owner + "." + f.getName());
                            entry.put("documentation", String.valueOf(fieldClass.getMethod("description").invoke(field)));
                            Object dflt = fieldClass.getMethod("defaultValueAsString").invoke(field);
                            entry.put("default", dflt == null ? null : String.valueOf(dflt));
                            String type = String.valueOf(fieldClass.getMethod("type").invoke(field));
                            Object allowed = fieldClass.getMethod("allowedValues").invoke(field);
                            List<String> allowedValues = strings(allowed);
                            if (!allowedValues.isEmpty()) entry.put("field_allowed", allowedValues);
                            entry.put("probes", probe(field, name, type, allowed, loader, from, validate, output));
                            keys.add(entry);
                            byName.put(name, entry);
                        }
                    } catch (ReflectiveOperationException | RuntimeException e) {
                        // a Field that cannot be read is not a key we can describe
                    }
                }
            }
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IllegalStateException("probing Debezium fields of " + plugin.getClass().getName(), e);
        }
    }

    static final String[] KINDS = {
        "org.apache.kafka.connect.source.SourceConnector",
        "org.apache.kafka.connect.sink.SinkConnector",
        "org.apache.kafka.connect.transforms.Transformation",
        "org.apache.kafka.connect.transforms.predicates.Predicate",
        "org.apache.kafka.connect.storage.Converter",
        "org.apache.kafka.connect.storage.HeaderConverter",
    };

    static void plugins(ClassLoader loader, Map<String, Object> out, List<String> errors) throws Exception {
        for (String kind : KINDS) {
            Class<?> iface = Class.forName(kind, false, loader);
            ServiceLoader<?> found = ServiceLoader.load(iface, loader);
            for (ServiceLoader.Provider<?> provider : found.stream().toList()) {
                String name = provider.type().getName();
                if (out.containsKey(name)) continue;
                ClassLoader previous = Thread.currentThread().getContextClassLoader();
                Thread.currentThread().setContextClassLoader(loader);
                try {
                    Object plugin = provider.get();
                    ConfigDef def = (ConfigDef) plugin.getClass().getMethod("config").invoke(plugin);
                    List<Map<String, Object>> dumped = keys(def == null ? new ConfigDef() : def);
                    probeDebeziumFields(plugin, loader, dumped);
                    out.put(name, dumped);
                } catch (Throwable e) {
                    Throwable cause = e.getCause() != null ? e.getCause() : e;
                    errors.add(name + ": " + cause);
                } finally {
                    Thread.currentThread().setContextClassLoader(previous);
                }
            }
        }
    }

    public static void main(String[] args) throws Exception {
        Map<String, Object> doc = new LinkedHashMap<>();
        Map<String, Object> framework = new LinkedHashMap<>();
        framework.put("common", keys(ConnectorConfig.configDef()));
        framework.put("sink", keys(SinkConnectorConfig.configDef()));
        framework.put("source", keys(SourceConnectorConfig.configDef()));
        framework.put("topic-creation-default", keys(TopicCreationConfig.defaultGroupConfigDef()));
        framework.put("topic-creation-group", keys(TopicCreationConfig.configDef("GROUP", (short) -1, -1)));
        doc.put("framework", framework);
        Map<String, Object> clients = new LinkedHashMap<>();
        clients.put("producer", keys(ProducerConfig.configDef()));
        clients.put("consumer", keys(ConsumerConfig.configDef()));
        clients.put("admin", keys(AdminClientConfig.configDef()));
        doc.put("clients", clients);
        Map<String, Object> byClass = new TreeMap<>();
        List<String> errors = new ArrayList<>();
        ClassLoader system = DumpConfigDefs.class.getClassLoader();
        plugins(system, byClass, errors);
        for (String dir : args) {
            File[] folders = new File(dir).listFiles(File::isDirectory);
            if (folders == null) continue;
            java.util.Arrays.sort(folders);
            for (File folder : folders) {
                List<URL> urls = new ArrayList<>();
                try (java.util.stream.Stream<java.nio.file.Path> walk = java.nio.file.Files.walk(folder.toPath(), java.nio.file.FileVisitOption.FOLLOW_LINKS)) {
                    for (java.nio.file.Path jar : walk.filter(p -> p.toString().endsWith(".jar")).sorted().toList()) {
                        urls.add(jar.toUri().toURL());
                    }
                }
                if (urls.isEmpty()) continue;
                URLClassLoader loader = new URLClassLoader(urls.toArray(new URL[0]), system);
                plugins(loader, byClass, errors);
            }
        }
        doc.put("plugins", byClass);
        doc.put("errors", errors);
        ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        System.out.println(mapper.writeValueAsString(doc));
    }
}
