package dev.ember.openai;

import dev.ember.function.FunctionException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Objects;

/**
 * OpenAI and vLLM request fields that Ember does not implement: a request that sets one to anything
 * but its no-op value gets a 400 naming the field, instead of a 200 that silently ignores what the
 * client asked for (tool calls, structured output, beam search, prompt logprobs, ...). Fields whose
 * only effect is bookkeeping ({@code user}, {@code metadata}, {@code store}, {@code service_tier}) and
 * fields Ember does not know at all stay ignored, as OpenAI does.
 *
 * <pre>{@code UnsupportedFields.check(fields, CompletionRequest.Kind.CHAT); }</pre>
 */
final class UnsupportedFields {
  /** A field and whether a given value is its no-op (accepted) value. */
  private record Rule(String name, java.util.function.Predicate<Object> harmless, String why) {}

  private static final List<Rule> BOTH = List.of(
      new Rule("response_format", UnsupportedFields::textFormat,
          "only {\"type\":\"text\"} is supported (no JSON mode or JSON schema output)"),
      new Rule("guided_json", v -> false, "guided decoding is not supported"),
      new Rule("guided_regex", v -> false, "guided decoding is not supported"),
      new Rule("guided_choice", v -> false, "guided decoding is not supported"),
      new Rule("guided_grammar", v -> false, "guided decoding is not supported"),
      new Rule("guided_decoding_backend", v -> false, "guided decoding is not supported"),
      new Rule("structured_outputs", v -> false, "structured outputs are not supported"),
      new Rule("use_beam_search", Boolean.FALSE::equals, "beam search is not supported"),
      new Rule("prompt_logprobs", v -> false, "prompt logprobs are not supported"),
      new Rule("allowed_token_ids", v -> false, "allowed_token_ids is not supported"),
      new Rule("bad_words", UnsupportedFields::emptyArray, "bad_words is not supported"),
      new Rule("truncate_prompt_tokens", v -> false, "prompt truncation is not supported"),
      new Rule("return_tokens_as_token_ids", Boolean.FALSE::equals, "return_tokens_as_token_ids is not supported"),
      new Rule("return_token_ids", Boolean.FALSE::equals, "return_token_ids is not supported"),
      new Rule("prompt_embeds", v -> false, "prompt embeddings are not supported"));

  private static final List<Rule> CHAT = List.of(
      new Rule("tools", UnsupportedFields::emptyArray, "tool calls are not supported"),
      new Rule("tool_choice", "none"::equals, "tool calls are not supported (only \"none\")"),
      new Rule("functions", UnsupportedFields::emptyArray, "function calls are not supported"),
      new Rule("function_call", "none"::equals, "function calls are not supported (only \"none\")"),
      new Rule("continue_final_message", Boolean.FALSE::equals, "continue_final_message is not supported"),
      new Rule("echo", Boolean.FALSE::equals, "'echo' is not supported"),
      new Rule("suffix", UnsupportedFields::emptyString, "'suffix' is not supported"),
      new Rule("best_of", UnsupportedFields::one, "'best_of' > 1 is not supported"),
      new Rule("modalities", UnsupportedFields::textOnly, "only the \"text\" modality is supported"),
      new Rule("audio", v -> false, "audio output is not supported"),
      new Rule("prediction", v -> false, "predicted outputs are not supported"),
      new Rule("web_search_options", v -> false, "web search is not supported"),
      new Rule("documents", v -> false, "documents are not supported"),
      new Rule("chat_template", v -> false, "a per-request chat template is not supported"));

  private static final List<Rule> COMPLETION = List.of(
      new Rule("suffix", UnsupportedFields::emptyString, "'suffix' (insertion) is not supported"),
      new Rule("best_of", UnsupportedFields::one, "'best_of' > 1 is not supported"),
      new Rule("add_special_tokens", Boolean.TRUE::equals, "only add_special_tokens=true is supported"));

  private UnsupportedFields() {}

  /** Throws a 400 naming the first unsupported field the body sets. */
  static void check(JsonObject body, CompletionRequest.Kind kind) {
    check(body, BOTH);
    check(body, kind == CompletionRequest.Kind.CHAT ? CHAT : COMPLETION);
  }

  private static void check(JsonObject body, List<Rule> rules) {
    for (Rule r : rules) {
      Object v = body.getValue(r.name());
      if (v != null && !r.harmless().test(v)) {
        throw FunctionException.invalid(r.name(), r.why() + "; remove '" + r.name() + "' from the request");
      }
    }
  }

  private static boolean textFormat(Object v) {
    return v instanceof JsonObject o && "text".equals(o.getValue("type")) && o.size() == 1;
  }

  private static boolean emptyArray(Object v) {
    return v instanceof JsonArray a && a.isEmpty();
  }

  private static boolean emptyString(Object v) {
    return "".equals(v);
  }

  private static boolean one(Object v) {
    return v instanceof Number n && n.doubleValue() == 1.0;
  }

  private static boolean textOnly(Object v) {
    return v instanceof JsonArray a && a.size() == 1 && Objects.equals(a.getValue(0), "text");
  }
}
