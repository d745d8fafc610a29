package dev.ember.openai;

import dev.ember.function.FunctionException;
import dev.ember.function.Prompt;
import dev.ember.sample.SamplingParams;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Turns an OpenAI request body into a {@link CompletionRequest}: the fields vLLM's OpenAI server
 * accepts that Ember supports, strictly typed, with a 400 naming the field for anything wrong, and a
 * 400 naming any field Ember does not implement ({@link UnsupportedFields}). Cheap
 * enough for the event loop; tokenization happens later, in the function.
 *
 * <pre>{@code CompletionRequest r = CompletionRequestParser.completion(ctx.body().asJsonObject()); }</pre>
 */
public final class CompletionRequestParser {
  private static final Set<String> ROLES = Set.of("system", "developer", "user", "assistant", "tool");

  private CompletionRequestParser() {}

  /** A chat request; {@code modelOverride} (from a path) replaces {@code model} when not null. */
  public static CompletionRequest chat(JsonObject body, String modelOverride) {
    RequestFields f = new RequestFields(body);
    String model = modelOverride != null ? modelOverride : f.requiredString("model");
    UnsupportedFields.check(body, CompletionRequest.Kind.CHAT);
    Prompt prompt = chatPrompt(f);
    SamplingParams.Builder b = sampling(f);
    Boolean logprobs = f.bool("logprobs");
    Long top = f.integer("top_logprobs", 0, SamplingParams.MAX_LOGPROBS);
    if (top != null && !Boolean.TRUE.equals(logprobs)) {
      throw FunctionException.invalid("top_logprobs", "'top_logprobs' needs 'logprobs' set to true");
    }
    b.logprobs(Boolean.TRUE.equals(logprobs) ? (top == null ? 0 : top.intValue()) : null);
    return finish(CompletionRequest.Kind.CHAT, f, model, prompt, b);
  }

  /** A (legacy) completions request. */
  public static CompletionRequest completion(JsonObject body) {
    RequestFields f = new RequestFields(body);
    String model = f.requiredString("model");
    UnsupportedFields.check(body, CompletionRequest.Kind.COMPLETION);
    Prompt prompt = textPrompt(f);
    if (f.bool("echo", false)) {
      throw FunctionException.invalid("echo", "'echo' is not supported");
    }
    SamplingParams.Builder b = sampling(f);
    Long logprobs = f.integer("logprobs", 0, SamplingParams.MAX_LOGPROBS);
    b.logprobs(logprobs == null ? null : logprobs.intValue());
    return finish(CompletionRequest.Kind.COMPLETION, f, model, prompt, b);
  }

  /** {@code messages} (required) as a chat prompt, with {@code add_generation_prompt} and {@code chat_template_kwargs}. */
  public static Prompt chatPrompt(RequestFields f) {
    JsonArray messages = f.array("messages");
    if (messages == null || messages.isEmpty()) {
      throw FunctionException.invalid("messages", "'messages' must be a non-empty array");
    }
    List<Map<String, Object>> out = new ArrayList<>(messages.size());
    for (int i = 0; i < messages.size(); i++) {
      out.add(message(messages.getValue(i), "messages[" + i + "]"));
    }
    JsonObject kwargs = f.object("chat_template_kwargs");
    Map<String, Object> vars = new LinkedHashMap<>();
    if (kwargs != null) {
      for (String k : kwargs.fieldNames()) {
        vars.put(k, toJava(kwargs.getValue(k)));
      }
    }
    return new Prompt.Chat(out, f.bool("add_generation_prompt", true), vars);
  }

  /** {@code prompt} (required): a string, an array of one string, or an array of token ids. */
  public static Prompt textPrompt(RequestFields f) {
    Object p = f.raw("prompt");
    if (p instanceof String s) {
      return new Prompt.Text(s);
    }
    if (!(p instanceof JsonArray a)) {
      throw p == null ? FunctionException.invalid("prompt", "'prompt' is required")
          : RequestFields.wrongType("prompt", "a string or an array", p);
    }
    if (a.size() == 1 && a.getValue(0) instanceof String s) {
      return new Prompt.Text(s);
    }
    if (a.isEmpty()) {
      throw FunctionException.invalid("prompt", "'prompt' must not be empty");
    }
    int[] ids = new int[a.size()];
    for (int i = 0; i < ids.length; i++) {
      Object v = a.getValue(i);
      if (v instanceof String || v instanceof JsonArray) {
        throw FunctionException.invalid("prompt", "one prompt per request: a string, [string] or [token ids]");
      }
      ids[i] = Math.toIntExact(tokenId("prompt", v));
    }
    return new Prompt.Tokens(ids);
  }

  /** An array of token ids (for {@code stop_token_ids}, {@code tokens}). */
  public static int[] tokenIds(String name, JsonArray a) {
    int[] ids = new int[a.size()];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = (int) tokenId(name, a.getValue(i));
    }
    return ids;
  }

  private static long tokenId(String name, Object v) {
    long id = RequestFields.toLong(name, v);
    if (id < 0 || id > Integer.MAX_VALUE) {
      throw FunctionException.invalid(name, "token ids must be in [0, " + Integer.MAX_VALUE + "], got " + id);
    }
    return id;
  }

  private static Map<String, Object> message(Object v, String where) {
    if (!(v instanceof JsonObject m)) {
      throw FunctionException.invalid("messages", where + " must be an object");
    }
    Object role = m.getValue("role");
    if (!(role instanceof String r) || !ROLES.contains(r)) {
      throw FunctionException.invalid("messages", where + ".role must be one of " + ROLES + ", got " + role);
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("role", r);
    out.put("content", content(m.getValue("content"), where));
    for (String extra : List.of("name", "tool_call_id")) {
      Object x = m.getValue(extra);
      if (x != null) {
        if (!(x instanceof String)) {
          throw FunctionException.invalid("messages", where + "." + extra + " must be a string");
        }
        out.put(extra, x);
      }
    }
    return out;
  }

  private static String content(Object c, String where) {
    if (c == null || c instanceof String) {
      return c == null ? "" : (String) c;
    }
    if (!(c instanceof JsonArray parts)) {
      throw FunctionException.invalid("messages", where + ".content must be a string or an array of text parts");
    }
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < parts.size(); i++) {
      Object p = parts.getValue(i);
      if (!(p instanceof JsonObject part) || !"text".equals(part.getValue("type"))
          || !(part.getValue("text") instanceof String t)) {
        throw FunctionException.invalid("messages", where + ".content[" + i + "] must be {\"type\":\"text\",\"text\":...}"
            + " (only text content is supported)");
      }
      text.append(t);
    }
    return text.toString();
  }

  private static SamplingParams.Builder sampling(RequestFields f) {
    SamplingParams.Builder b = SamplingParams.builder();
    Long maxTokens = f.integer("max_tokens", 1, Integer.MAX_VALUE);
    Long maxCompletion = f.integer("max_completion_tokens", 1, Integer.MAX_VALUE);
    Long max = maxCompletion != null ? maxCompletion : maxTokens;
    b.maxTokens(max == null ? null : max.intValue());
    Long n = f.integer("n", 1, SamplingParams.MAX_N);
    if (n != null) {
      b.n(n.intValue());
    }
    Double d;
    if ((d = f.number("temperature")) != null) {
      b.temperature(d);
    }
    if ((d = f.number("top_p")) != null) {
      b.topP(d);
    }
    if ((d = f.number("min_p")) != null) {
      b.minP(d);
    }
    if ((d = f.number("presence_penalty")) != null) {
      b.presencePenalty(d);
    }
    if ((d = f.number("frequency_penalty")) != null) {
      b.frequencyPenalty(d);
    }
    if ((d = f.number("repetition_penalty")) != null) {
      b.repetitionPenalty(d);
    }
    Long topK = f.integer("top_k", -1, Integer.MAX_VALUE);
    if (topK != null) {
      b.topK(topK.intValue());
    }
    Long minTokens = f.integer("min_tokens", 0, Integer.MAX_VALUE);
    if (minTokens != null) {
      b.minTokens(minTokens.intValue());
    }
    b.seed(f.integer("seed", Long.MIN_VALUE, Long.MAX_VALUE));
    JsonObject bias = f.object("logit_bias");
    if (bias != null) {
      for (String key : bias.fieldNames()) {
        int id;
        try {
          id = Integer.parseInt(key);
        } catch (NumberFormatException e) {
          throw FunctionException.invalid("logit_bias", "logit_bias keys must be token ids, got '" + key + "'");
        }
        if (!(bias.getValue(key) instanceof Number v)) {
          throw FunctionException.invalid("logit_bias", "logit_bias values must be numbers (token " + key + ")");
        }
        b.logitBias(id, v.doubleValue());
      }
    }
    b.stop(stops(f));
    JsonArray stopIds = f.array("stop_token_ids");
    if (stopIds != null) {
      b.stopTokenIds(tokenIds("stop_token_ids", stopIds));
    }
    b.ignoreEos(f.bool("ignore_eos", SamplingParams.DEFAULT_IGNORE_EOS));
    b.skipSpecialTokens(f.bool("skip_special_tokens", SamplingParams.DEFAULT_SKIP_SPECIAL_TOKENS));
    b.includeStopStrInOutput(f.bool("include_stop_str_in_output", SamplingParams.DEFAULT_INCLUDE_STOP_STR_IN_OUTPUT));
    return b;
  }

  private static List<String> stops(RequestFields f) {
    Object s = f.raw("stop");
    if (s == null) {
      return List.of();
    }
    if (s instanceof String one) {
      return List.of(one);
    }
    if (!(s instanceof JsonArray a)) {
      throw RequestFields.wrongType("stop", "a string or an array of strings", s);
    }
    List<String> out = new ArrayList<>(a.size());
    for (int i = 0; i < a.size(); i++) {
      if (!(a.getValue(i) instanceof String one)) {
        throw FunctionException.invalid("stop", "'stop' must hold only strings");
      }
      out.add(one);
    }
    return out;
  }

  private static CompletionRequest finish(CompletionRequest.Kind kind, RequestFields f, String model, Prompt prompt,
      SamplingParams.Builder b) {
    boolean stream = f.bool("stream", false);
    JsonObject streamOptions = f.object("stream_options");
    if (streamOptions != null && !stream) {
      throw FunctionException.invalid("stream_options", "'stream_options' is only allowed when 'stream' is true");
    }
    boolean includeUsage = false;
    if (streamOptions != null) {
      includeUsage = new RequestFields(streamOptions).bool("include_usage", false);
    }
    String salt = f.string("cache_salt");
    if (salt != null && salt.isEmpty()) {
      throw FunctionException.invalid("cache_salt", "'cache_salt' must not be empty");
    }
    Long priority = f.integer("priority", Integer.MIN_VALUE, Integer.MAX_VALUE);
    boolean warmupEvents = f.bool("ember_warmup_events", false);
    if (warmupEvents && !stream) {
      throw FunctionException.invalid("ember_warmup_events", "'ember_warmup_events' is only allowed when 'stream' is true");
    }
    SamplingParams params = b.build();
    return new CompletionRequest(kind, model, prompt, params, stream, includeUsage, salt,
        priority == null ? 0 : priority.intValue(), warmupEvents);
  }

  private static Object toJava(Object v) {
    if (v instanceof JsonObject o) {
      Map<String, Object> m = new LinkedHashMap<>();
      for (String k : o.fieldNames()) {
        m.put(k, toJava(o.getValue(k)));
      }
      return m;
    }
    if (v instanceof JsonArray a) {
      List<Object> l = new ArrayList<>(a.size());
      for (int i = 0; i < a.size(); i++) {
        l.add(toJava(a.getValue(i)));
      }
      return l;
    }
    return v;
  }
}
