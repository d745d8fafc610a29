package dev.ember.openai;

import dev.ember.engine.Usage;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * The envelope of OpenAI completion responses and chunks ({@code id, object, created, model,
 * system_fingerprint, choices}) and the {@code usage} object.
 *
 * <pre>{@code OpenAiJson.envelope(kind.object(), id, created, model, choices).put("usage", OpenAiJson.usage(u)); }</pre>
 */
public final class OpenAiJson {
  /** Ember's {@code system_fingerprint}: the serving stack, not a model revision. */
  public static final String SYSTEM_FINGERPRINT = "fp_ember";

  private OpenAiJson() {}

  public static JsonObject envelope(String object, String id, long created, String model, JsonArray choices) {
    return new JsonObject().put("id", id).put("object", object).put("created", created).put("model", model)
        .put("system_fingerprint", SYSTEM_FINGERPRINT).put("choices", choices);
  }

  public static JsonObject usage(Usage u) {
    return new JsonObject().put("prompt_tokens", u.promptTokens()).put("completion_tokens", u.completionTokens())
        .put("total_tokens", u.totalTokens())
        .put("prompt_tokens_details", new JsonObject().put("cached_tokens", u.cachedTokens()));
  }
}
