package dev.ember.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine.Option;

/**
 * The load of the serving benchmarks, shared by {@code bench serve} and {@code bench kafka} so that both
 * doors get exactly the same requests: how many, how many at once, and each request's body (a prompt
 * of about {@code --prompt-len} tokens from {@link BenchPrompts}, {@code max_tokens = --gen},
 * {@code ignore_eos}, greedy).
 *
 * <pre>{@code @Mixin ServingLoad load; ... ObjectNode body = load.body("demo", prompt, true); }</pre>
 */
final class ServingLoad {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Which OpenAI request shape to send. */
  enum Endpoint {
    chat("/v1/chat/completions"), completions("/v1/completions");

    final String path;

    Endpoint(String path) {
      this.path = path;
    }
  }

  @Option(names = "--requests", defaultValue = "64", description = "Requests in total (default ${DEFAULT-VALUE}).")
  int requests;

  @Option(names = "--concurrency", defaultValue = "8", description = "Requests in flight (default ${DEFAULT-VALUE}).")
  int concurrency;

  @Option(names = "--prompt-len", defaultValue = "128", description = "Prompt tokens, approximately (default ${DEFAULT-VALUE}).")
  int promptLen;

  @Option(names = {"--gen", "--max-tokens"}, defaultValue = "64",
      description = "Generated tokens per request (default ${DEFAULT-VALUE}).")
  int gen;

  @Option(names = "--endpoint", defaultValue = "chat", description = "chat or completions (default ${DEFAULT-VALUE}).")
  Endpoint endpoint;

  @Option(names = "--seed", defaultValue = "17", description = "Prompt word seed (default ${DEFAULT-VALUE}).")
  long seed;

  void validate() {
    if (requests < 1 || concurrency < 1 || promptLen < 1 || gen < 1) {
      throw new IllegalArgumentException("--requests, --concurrency, --prompt-len and --gen must be >= 1");
    }
  }

  /** One request's body for {@code model}. */
  ObjectNode body(String model, String prompt, boolean stream) {
    return body(model, null, prompt, stream);
  }

  /**
   * One request's body for {@code model} led by a shared {@code system} prompt (null: none): a system
   * message before the user's for chat, the text before the prompt for completions.
   */
  ObjectNode body(String model, String system, String prompt, boolean stream) {
    ObjectNode body = JSON.createObjectNode().put("model", model).put("max_tokens", gen).put("ignore_eos", true)
        .put("temperature", 0.0).put("stream", stream);
    if (endpoint == Endpoint.chat) {
      var messages = body.putArray("messages");
      if (system != null) {
        messages.addObject().put("role", "system").put("content", system);
      }
      messages.addObject().put("role", "user").put("content", prompt);
    } else {
      body.put("prompt", system == null ? prompt : system + "\n\n" + prompt);
    }
    return body;
  }

  /** A line saying what the run sends. */
  String describe(int promptWords) {
    return String.format("%d %s requests, concurrency %d, prompt ~%d tokens (%d words), gen %d", requests, endpoint,
        concurrency, promptLen, promptWords, gen);
  }
}
