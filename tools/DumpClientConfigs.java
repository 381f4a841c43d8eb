// Prints every producer, consumer and admin client config key that the kafka-clients jar on the
// class path defines, one per line: kind TAB name TAB type TAB importance.
// kconnect.validate.catalog_gen runs it (`java -cp '<kafka>/libs/*' DumpClientConfigs.java`) to
// build the catalog that `producer.override.*`, `consumer.override.*` and `admin.override.*`
// keys (and Debezium's client pass-through families) are checked against.
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.ConfigDef;

public class DumpClientConfigs {
    static void dump(String kind, ConfigDef def) {
        for (ConfigDef.ConfigKey k : def.configKeys().values()) {
            System.out.println(kind + "\t" + k.name + "\t" + k.type + "\t" + k.importance);
        }
    }

    public static void main(String[] args) {
        dump("producer", ProducerConfig.configDef());
        dump("consumer", ConsumerConfig.configDef());
        dump("admin", AdminClientConfig.configDef());
    }
}
