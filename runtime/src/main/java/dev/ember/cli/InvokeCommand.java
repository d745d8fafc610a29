package dev.ember.cli;

import dev.ember.function.FunctionManifest;
import dev.ember.kafka.EmberKafkaHeaders;
import dev.ember.kafka.KafkaDoorOptions;
import dev.ember.kafka.KafkaRequester;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code ember invoke}: sends one chat request to a function over Kafka, on a reply topic of its own,
 * and prints the reply (token by token with {@code --stream}).
 *
 * <pre>{@code ember invoke --kafka-bootstrap localhost:9092 --function demo --stream "Hello"}</pre>
 */
@Command(name = "invoke", mixinStandardHelpOptions = true,
    description = "Invoke a function over Kafka and print its reply.")
public final class InvokeCommand implements Callable<Integer> {
  @Option(names = "--kafka-bootstrap", required = true, description = "Kafka bootstrap servers, HOST:PORT.")
  String bootstrap;

  @Option(names = "--kafka-property", description = "Kafka client property key=value (SASL, TLS, ...); repeatable.")
  List<String> properties = List.of();

  @Option(names = "--function", required = true, description = "Function name.")
  String function;

  @Option(names = "--topic", description = "Request topic (default ember.<function>.requests).")
  String topic;

  @Option(names = "--stream", description = "Stream the reply.")
  boolean stream;

  @Option(names = "--max-tokens", defaultValue = "256", description = "max_tokens (default ${DEFAULT-VALUE}).")
  int maxTokens;

  @Option(names = "--timeout", defaultValue = "300", description = "Seconds to wait for the reply (default ${DEFAULT-VALUE}).")
  int timeoutSeconds;

  @Parameters(index = "0", description = "The user message.")
  String prompt;

  @Override
  public Integer call() throws Exception {
    String requestTopic = topic != null ? topic : FunctionManifest.Kafka.defaults(function).requestTopic();
    String json = new JsonObject().put("model", function)
        .put("messages", List.of(Map.of("role", "user", "content", prompt)))
        .put("max_tokens", maxTokens).put("stream", stream).encode();
    try (KafkaRequester k = KafkaRequester.connect(bootstrap, parse(properties))) {
      ConsumerRecord<byte[], byte[]> last = k.request(requestTopic, function, json, this::print)
          .get(timeoutSeconds, TimeUnit.SECONDS);
      return KafkaRequester.header(last, EmberKafkaHeaders.ERROR) == null ? 0 : 1;
    }
  }

  private void print(ConsumerRecord<byte[], byte[]> r) {
    JsonObject body = new JsonObject(new String(r.value(), StandardCharsets.UTF_8));
    if (KafkaRequester.header(r, EmberKafkaHeaders.ERROR) != null) {
      System.err.println("error " + KafkaRequester.header(r, EmberKafkaHeaders.ERROR) + ": "
          + body.getJsonObject("error").getString("message"));
    } else if (KafkaRequester.header(r, EmberKafkaHeaders.SEQ) != null) {
      JsonObject delta = body.getJsonArray("choices").getJsonObject(0).getJsonObject("delta");
      System.out.print(delta.getString("content", ""));
      System.out.flush();
    } else if (stream) {
      System.out.println();
    } else {
      System.out.println(body.getJsonArray("choices").getJsonObject(0).getJsonObject("message").getString("content"));
    }
  }

  /** {@code key=value} client properties, parsed as the server's {@code --kafka-property}. */
  static Map<String, String> parse(List<String> keyValues) {
    KafkaDoorOptions options = new KafkaDoorOptions();
    keyValues.forEach(options::addProperty);
    return options.properties();
  }
}
