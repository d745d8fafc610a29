package dev.ember.http;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Malformed request bodies for fuzzing, from a seeded {@link Random} so a failure reproduces: a valid
 * chat, completion, tokenize or detokenize body with one field removed, retyped, set to an extreme or
 * an unsupported value, or with an unknown or unsupported field added; optionally with invalid UTF-8
 * spliced in or cut short. Fields are kept as raw JSON text so that literals a JSON library would
 * never write (1e999, 40-digit integers, lone surrogates) can be sent.
 */
public final class MalformedRequests {
  /** Which route a body is for. */
  public enum Kind {
    CHAT("/v1/chat/completions"), COMPLETION("/v1/completions"), TOKENIZE("/tokenize"), DETOKENIZE("/detokenize");

    public final String path;

    Kind(String path) {
      this.path = path;
    }
  }

  static final String[] VALUES = {
      "null", "true", "false", "0", "-1", "1", "2", "1.5", "-0.0", "1e308", "1e999", "-1e999", "0.0000000001",
      "99999999999999999999999999999999999999", "-9223372036854775809", "9223372036854775807", "2147483648",
      "\"\"", "\"x\"", "\"demo\"", "\"\\u0000\"", "\"\\ud800\"", "\"" + "a".repeat(5000) + "\"", "[]", "{}",
      "[1,\"a\",{}]", "{\"a\":{\"b\":[null]}}", "[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]", "[-1,2147483647,0]",
      "{\"type\":\"json_object\"}", "{\"type\":\"text\"}", "[{\"role\":\"user\"}]", "[{\"role\":\"user\",\"content\":[]}]",
      "[{\"role\":\"user\",\"content\":[{\"type\":\"image_url\"}]}]", "{\"include_usage\":\"yes\"}",
      "{\"5\":100}", "{\"-3\":1}", "[\"stop\",\"\"]"};

  static final String[] FIELDS = {
      "model", "messages", "prompt", "max_tokens", "max_completion_tokens", "n", "temperature", "top_p", "top_k",
      "min_p", "seed", "stop", "stop_token_ids", "stream", "stream_options", "logprobs", "top_logprobs",
      "logit_bias", "presence_penalty", "frequency_penalty", "repetition_penalty", "min_tokens", "ignore_eos",
      "skip_special_tokens", "include_stop_str_in_output", "cache_salt", "priority", "echo", "tokens",
      "add_generation_prompt", "chat_template_kwargs", "ember_warmup_events", "tools", "tool_choice",
      "response_format", "suffix", "best_of", "continue_final_message", "guided_json", "user", "frobnicate"};

  private MalformedRequests() {}

  /** A valid body of this kind, as field name to raw JSON value. */
  static Map<String, String> valid(Kind kind) {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("model", "\"demo\"");
    switch (kind) {
      case CHAT -> {
        m.put("messages", "[{\"role\":\"user\",\"content\":\"Hello there\"}]");
        m.put("max_tokens", "3");
      }
      case COMPLETION -> {
        m.put("prompt", "\"Once upon a time\"");
        m.put("max_tokens", "3");
      }
      case TOKENIZE -> m.put("prompt", "\"Hello there\"");
      case DETOKENIZE -> m.put("tokens", "[1,2,3]");
    }
    return m;
  }

  /** A valid body of this kind. */
  public static String validBody(Kind kind) {
    return render(valid(kind));
  }

  /** One malformed body of this kind. */
  public static byte[] mutated(Kind kind, Random random) {
    Map<String, String> m = valid(kind);
    List<String> names = new ArrayList<>(m.keySet());
    int rounds = 1 + random.nextInt(3);
    for (int i = 0; i < rounds; i++) {
      switch (random.nextInt(4)) {
        case 0 -> m.remove(names.get(random.nextInt(names.size())));
        case 1 -> m.put(names.get(random.nextInt(names.size())), pick(VALUES, random));
        default -> m.put(pick(FIELDS, random), pick(VALUES, random));
      }
    }
    if (random.nextInt(4) == 0 && !m.containsKey("max_tokens") && kind != Kind.TOKENIZE && kind != Kind.DETOKENIZE) {
      m.put("max_tokens", "4");
    }
    byte[] body = render(m).getBytes(StandardCharsets.UTF_8);
    return switch (random.nextInt(6)) {
      case 0 -> brokenUtf8(body, random);
      case 1 -> java.util.Arrays.copyOf(body, random.nextInt(body.length));
      default -> body;
    };
  }

  /** The body with an invalid UTF-8 sequence spliced in at a random place. */
  static byte[] brokenUtf8(byte[] body, Random random) {
    byte[][] bad = {{(byte) 0xC3, 0x28}, {(byte) 0xFF}, {(byte) 0xED, (byte) 0xA0, (byte) 0x80},
        {(byte) 0xF0, (byte) 0x9F}, {(byte) 0xC0, (byte) 0xAF}};
    int at = random.nextInt(body.length + 1);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(body, 0, at);
    out.writeBytes(bad[random.nextInt(bad.length)]);
    out.write(body, at, body.length - at);
    return out.toByteArray();
  }

  static String render(Map<String, String> m) {
    StringBuilder sb = new StringBuilder("{");
    m.forEach((k, v) -> sb.append(sb.length() > 1 ? "," : "").append('"').append(k).append("\":").append(v));
    return sb.append('}').toString();
  }

  private static String pick(String[] from, Random random) {
    return from[random.nextInt(from.length)];
  }
}
