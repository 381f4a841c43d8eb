// What standalone Connect reads from each connector .properties file given: Kafka's
// Utils.loadProps(String) opens the file with Files.newInputStream and calls
// java.util.Properties.load(InputStream), which reads every byte as one ISO-8859-1 character.
// Prints {"<file>": {"<key>": "<value>", ...} | {"error": "<message>"}, ...} as JSON with every
// character outside printable ASCII as a backslash-u escape, so the comparison with kconnect's
// reader (tests/test_properties_java.py) is exact, character by character.
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.Properties;
import java.util.TreeMap;

public class PropertiesToJson {
    public static void main(String[] args) throws Exception {
        StringBuilder out = new StringBuilder("{");
        for (int i = 0; i < args.length; i++) {
            if (i > 0) out.append(',');
            quote(out, args[i]).append(':');
            Properties props = new Properties();
            try (InputStream in = Files.newInputStream(Paths.get(args[i]))) {
                props.load(in);
            } catch (IllegalArgumentException e) {
                quote(out.append("{\"error\":"), String.valueOf(e.getMessage())).append('}');
                continue;
            }
            out.append('{');
            boolean first = true;
            for (var entry : new TreeMap<>(props).entrySet()) {
                if (!first) out.append(',');
                first = false;
                quote(out, (String) entry.getKey()).append(':');
                quote(out, (String) entry.getValue());
            }
            out.append('}');
        }
        System.out.println(out.append('}'));
    }

    static StringBuilder quote(StringBuilder out, String text) {
        out.append('"');
        for (char c : text.toCharArray()) {
            if (c == '"' || c == '\\' || c < 0x20 || c > 0x7e) {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        return out.append('"');
    }
}
