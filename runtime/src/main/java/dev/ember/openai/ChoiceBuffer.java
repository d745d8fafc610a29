package dev.ember.openai;

import dev.ember.engine.RequestOutput;
import dev.ember.engine.TokenLogprobs;
import dev.ember.sample.FinishReason;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;

/**
 * The output of one choice ({@code index}) not yet sent: text, logprobs entries, and the finish
 * reason once it has one. A complete response keeps everything; a stream sends what is pending and
 * {@link #clear()}s it, so under backpressure several tokens coalesce into one chunk.
 *
 * <pre>{@code buffer.add(out, texts); json.add(buffer.chunkChoice(kind)); buffer.clear(); }</pre>
 */
public final class ChoiceBuffer {
  private final int index;
  private final CompletionRequest.Kind kind;
  private final boolean logprobs;
  private final StringBuilder text = new StringBuilder();
  private JsonArray entries = new JsonArray();
  private JsonArray tokens = new JsonArray();
  private JsonArray tokenLogprobs = new JsonArray();
  private JsonArray topLogprobs = new JsonArray();
  private JsonArray textOffsets = new JsonArray();
  private int sentChars;
  private FinishReason finishReason;
  private Object stopReason;
  private boolean finishSent;
  private boolean roleSent;

  public ChoiceBuffer(int index, CompletionRequest.Kind kind, boolean logprobs) {
    this.index = index;
    this.kind = kind;
    this.logprobs = logprobs;
  }

  /** Appends one output of this choice; token texts must be resolved when it has logprobs. */
  public void add(RequestOutput out, TokenTexts texts) {
    if (logprobs && out.logprobs() != null) {
      addLogprobs(out.logprobs(), texts);
    }
    if (out.text() != null) {
      text.append(out.text());
    }
    if (out.finishReason() != null) {
      finishReason = out.finishReason();
      stopReason = out.stopReason();
    }
  }

  /** True when a chunk for this choice would carry something not yet sent. */
  public boolean hasPending() {
    return !text.isEmpty() || !entries.isEmpty() || !tokens.isEmpty() || (finishReason != null && !finishSent)
        || (kind == CompletionRequest.Kind.CHAT && !roleSent);
  }

  /** Forgets what was sent, keeping the character count for completions' text offsets. */
  public void clear() {
    sentChars += text.length();
    text.setLength(0);
    entries = new JsonArray();
    tokens = new JsonArray();
    tokenLogprobs = new JsonArray();
    topLogprobs = new JsonArray();
    textOffsets = new JsonArray();
    finishSent = finishReason != null;
  }

  /** The choice of a complete response. */
  public JsonObject choice() {
    JsonObject c = new JsonObject().put("index", index);
    if (kind == CompletionRequest.Kind.CHAT) {
      c.put("message", new JsonObject().put("role", "assistant").put("content", text.toString()));
    } else {
      c.put("text", text.toString());
    }
    return c.put("logprobs", logprobsJson())
        .put("finish_reason", finishReason == null ? null : finishReason.openAiName())
        .put("stop_reason", stopReason);
  }

  /** The choice of a stream chunk holding what is pending. */
  public JsonObject chunkChoice() {
    JsonObject c = new JsonObject().put("index", index);
    if (kind == CompletionRequest.Kind.CHAT) {
      JsonObject delta = new JsonObject();
      if (!roleSent) {
        delta.put("role", "assistant");
        roleSent = true;
      }
      if (!text.isEmpty() || delta.containsKey("role")) {
        delta.put("content", text.toString());
      }
      c.put("delta", delta);
    } else {
      c.put("text", text.toString());
    }
    boolean finishing = finishReason != null && !finishSent;
    return c.put("logprobs", logprobsJson())
        .put("finish_reason", finishing ? finishReason.openAiName() : null)
        .put("stop_reason", finishing ? stopReason : null);
  }

  private JsonObject logprobsJson() {
    if (!logprobs || (entries.isEmpty() && tokens.isEmpty())) {
      return null;
    }
    if (kind == CompletionRequest.Kind.CHAT) {
      return new JsonObject().put("content", entries);
    }
    return new JsonObject().put("tokens", tokens).put("token_logprobs", tokenLogprobs)
        .put("top_logprobs", topLogprobs).put("text_offset", textOffsets);
  }

  private void addLogprobs(TokenLogprobs lp, TokenTexts texts) {
    String token = texts.text(lp.tokenId());
    if (kind == CompletionRequest.Kind.CHAT) {
      JsonArray top = new JsonArray();
      for (int i = 0; i < lp.topIds().length; i++) {
        top.add(entry(texts.text(lp.topIds()[i]), lp.topLogprobs()[i]));
      }
      entries.add(entry(token, lp.logprob()).put("top_logprobs", top));
      return;
    }
    JsonObject top = new JsonObject();
    for (int i = 0; i < lp.topIds().length; i++) {
      top.put(texts.text(lp.topIds()[i]), (double) lp.topLogprobs()[i]);
    }
    tokens.add(token);
    tokenLogprobs.add((double) lp.logprob());
    topLogprobs.add(top);
    textOffsets.add(sentChars + text.length());
  }

  private static JsonObject entry(String token, float logprob) {
    JsonArray bytes = new JsonArray();
    for (byte b : token.getBytes(StandardCharsets.UTF_8)) {
      bytes.add(b & 0xff);
    }
    return new JsonObject().put("token", token).put("logprob", (double) logprob).put("bytes", bytes);
  }
}
