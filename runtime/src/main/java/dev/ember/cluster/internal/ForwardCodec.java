package dev.ember.cluster.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ember.engine.RequestOutput;
import dev.ember.function.FunctionException;
import dev.ember.function.InferenceRequest;
import dev.ember.function.Prompt;
import dev.ember.kv.PromptHashes;
import dev.ember.sample.SamplingParams;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * The wire form of a forwarded request and its answer between replicas: the request as JSON (the
 * prompt as token ids, with their block hashes, when the receiving replica tokenized it, otherwise as it
 * came), then the serving
 * replica's answer as length-prefixed binary frames ({@link ForwardFrames} splits them): an
 * {@link #ACCEPTED} frame with the prompt's token count, then one frame per {@link RequestOutput}. A
 * plain token event (no logprobs, finish, usage or error) is a compact {@link #TOKEN} frame written
 * straight into its buffer, with no JSON on the way; any other output is a {@link #OUTPUT} frame
 * holding it as JSON field for field. Either way the entry replica gets the same {@link RequestOutput}
 * back and renders exactly what a local request would. A refusal is the {@link FunctionException} as
 * JSON.
 *
 * <pre>{@code response.write(ForwardCodec.encodeOutput(out)); // peer;  ForwardCodec.decodeOutput(id, frame) // entry }</pre>
 */
public final class ForwardCodec {
  private static final ObjectMapper JSON = new ObjectMapper()
      .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

  /** Frame kind: the request was admitted; body: the prompt's token count (int). */
  public static final byte ACCEPTED = 'A';
  /** Frame kind: a plain token event; body: index, token id, text length in bytes (-1: null), UTF-8 text. */
  public static final byte TOKEN = 'T';
  /** Frame kind: any other output; body: the {@link RequestOutput} as JSON. */
  public static final byte OUTPUT = 'O';
  /** Bytes before a frame's body: its length (int, counting the kind byte and the body) and its kind. */
  static final int FRAME_HEADER = 5;

  private ForwardCodec() {}

  public static Buffer encodeRequest(InferenceRequest r) {
    JsonObject prompt = switch (r.prompt()) {
      case Prompt.Tokens t -> new JsonObject().put("tokens", ids(t.ids()));
      case Prompt.Text t -> new JsonObject().put("text", t.text());
      case Prompt.Chat c -> new JsonObject().put("messages", new JsonArray(new ArrayList<>(c.messages())))
          .put("addGenerationPrompt", c.addGenerationPrompt())
          .put("templateVariables", new JsonObject(Map.copyOf(c.templateVariables())));
    };
    PromptHashes h = r.promptHashes();
    if (h != null) {
      prompt.put("hashes", new JsonObject().put("seed", h.seed()).put("blockSize", h.blockSize())
          .put("cacheSalt", h.cacheSalt()).put("bytes", Base64.getEncoder().encodeToString(h.hashes())));
    }
    try {
      return new JsonObject().put("requestId", r.requestId()).put("function", r.function()).put("prompt", prompt)
          .put("params", new JsonObject(JSON.writeValueAsString(r.params()))).put("cacheSalt", r.cacheSalt())
          .put("priority", r.priority()).toBuffer();
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot encode sampling parameters", e);
    }
  }

  public static InferenceRequest decodeRequest(Buffer body) {
    JsonObject j = body.toJsonObject();
    JsonObject p = j.getJsonObject("prompt");
    Prompt prompt;
    if (p.containsKey("tokens")) {
      JsonArray a = p.getJsonArray("tokens");
      int[] ids = new int[a.size()];
      for (int i = 0; i < ids.length; i++) {
        ids[i] = a.getInteger(i);
      }
      prompt = new Prompt.Tokens(ids);
    } else if (p.containsKey("text")) {
      prompt = new Prompt.Text(p.getString("text"));
    } else {
      List<Map<String, Object>> messages = new ArrayList<>();
      for (Object m : p.getJsonArray("messages")) {
        messages.add(((JsonObject) m).getMap());
      }
      prompt = new Prompt.Chat(messages, p.getBoolean("addGenerationPrompt"),
          p.getJsonObject("templateVariables").getMap());
    }
    SamplingParams params;
    try {
      params = JSON.readValue(j.getJsonObject("params").encode(), SamplingParams.class);
    } catch (IOException e) {
      throw new IllegalArgumentException("bad forwarded sampling parameters: " + e.getMessage(), e);
    }
    JsonObject h = p.getJsonObject("hashes");
    PromptHashes hashes = h == null ? null : new PromptHashes(h.getString("seed"), h.getInteger("blockSize"),
        h.getString("cacheSalt"), Base64.getDecoder().decode(h.getString("bytes")));
    return new InferenceRequest(j.getString("requestId"), j.getString("function"), prompt, params,
        j.getString("cacheSalt"), j.getInteger("priority", 0), hashes);
  }

  /** The first frame of an accepted forward: the prompt's token count. */
  public static Buffer accepted(int promptTokens) {
    return Buffer.buffer(FRAME_HEADER + 4).appendInt(1 + 4).appendByte(ACCEPTED).appendInt(promptTokens);
  }

  /** The prompt's token count from an {@link #ACCEPTED} frame (kind byte first, as {@link ForwardFrames} gives it). */
  public static int acceptedTokens(Buffer frame) {
    if (frame.length() != 5 || frame.getByte(0) != ACCEPTED) {
      throw new IllegalArgumentException("expected an accepted frame, got kind " + kindOf(frame) + " of "
          + frame.length() + " bytes");
    }
    return frame.getInt(1);
  }

  /** One output as a whole frame, length prefix included. */
  public static Buffer encodeOutput(RequestOutput out) {
    if (isPlainToken(out)) {
      Buffer b = encodeToken(out);
      if (b != null) {
        return b;
      }
    }
    try {
      byte[] json = JSON.writeValueAsBytes(out);
      return Buffer.buffer(FRAME_HEADER + json.length).appendInt(1 + json.length).appendByte(OUTPUT).appendBytes(json);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot encode an output", e);
    }
  }

  /**
   * The output in a {@link #TOKEN} or {@link #OUTPUT} frame (kind byte first, as {@link ForwardFrames}
   * gives it); a token frame carries no request id, so it takes {@code requestId}.
   */
  public static RequestOutput decodeOutput(String requestId, Buffer frame) {
    byte kind = kindOf(frame);
    if (kind == TOKEN) {
      if (frame.length() < 13) {
        throw new IllegalArgumentException("token frame of " + frame.length() + " bytes");
      }
      int textBytes = frame.getInt(9);
      if (textBytes < -1 || 13 + Math.max(textBytes, 0) != frame.length()) {
        throw new IllegalArgumentException("token frame of " + frame.length() + " bytes says its text has " + textBytes);
      }
      String text = textBytes < 0 ? null : frame.getString(13, 13 + textBytes, "UTF-8");
      return new RequestOutput(requestId, frame.getInt(1), frame.getInt(5), text, null, null, null, null, null, null);
    }
    if (kind == OUTPUT) {
      try {
        return JSON.readValue(frame.getBytes(1, frame.length()), RequestOutput.class);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    throw new IllegalArgumentException("expected an output frame, got kind " + kind);
  }

  private static byte kindOf(Buffer frame) {
    if (frame.length() == 0) {
      throw new IllegalArgumentException("empty frame");
    }
    return frame.getByte(0);
  }

  private static boolean isPlainToken(RequestOutput out) {
    return out.logprobs() == null && out.finishReason() == null && out.stopReason() == null && out.usage() == null
        && out.timings() == null && out.error() == null;
  }

  /** The token frame, or null when the text holds a lone surrogate (the JSON frame keeps today's handling of it). */
  private static Buffer encodeToken(RequestOutput out) {
    String text = out.text();
    int chars = text == null ? 0 : text.length();
    Buffer b = Buffer.buffer(FRAME_HEADER + 12 + 3 * chars).appendInt(0).appendByte(TOKEN).appendInt(out.index())
        .appendInt(out.tokenId()).appendInt(-1);
    if (text != null) {
      int start = b.length();
      for (int i = 0; i < chars; i++) {
        char c = text.charAt(i);
        if (c < 0x80) {
          b.appendByte((byte) c);
        } else if (c < 0x800) {
          b.appendByte((byte) (0xC0 | c >> 6)).appendByte((byte) (0x80 | c & 0x3F));
        } else if (!Character.isSurrogate(c)) {
          b.appendByte((byte) (0xE0 | c >> 12)).appendByte((byte) (0x80 | c >> 6 & 0x3F))
              .appendByte((byte) (0x80 | c & 0x3F));
        } else if (Character.isHighSurrogate(c) && i + 1 < chars && Character.isLowSurrogate(text.charAt(i + 1))) {
          int cp = Character.toCodePoint(c, text.charAt(++i));
          b.appendByte((byte) (0xF0 | cp >> 18)).appendByte((byte) (0x80 | cp >> 12 & 0x3F))
              .appendByte((byte) (0x80 | cp >> 6 & 0x3F)).appendByte((byte) (0x80 | cp & 0x3F));
        } else {
          return null;
        }
      }
      b.setInt(FRAME_HEADER + 8, b.length() - start);
    }
    b.setInt(0, b.length() - 4);
    return b;
  }

  public static Buffer encodeError(FunctionException e) {
    return new JsonObject().put("status", e.status()).put("type", e.type()).put("code", e.code())
        .put("param", e.param()).put("retryAfter", e.retryAfterSeconds()).put("message", e.getMessage()).toBuffer();
  }

  public static FunctionException decodeError(int status, Buffer body) {
    try {
      JsonObject j = body.toJsonObject();
      return new FunctionException(j.getInteger("status", status), j.getString("type"), j.getString("code"),
          j.getString("param"), j.getInteger("retryAfter"), j.getString("message"));
    } catch (RuntimeException e) {
      return new FunctionException(status, "internal_error", null, null, null,
          "peer answered " + status + ": " + body.toString());
    }
  }

  private static JsonArray ids(int[] ids) {
    JsonArray a = new JsonArray(new ArrayList<>(ids.length));
    for (int id : ids) {
      a.add(id);
    }
    return a;
  }
}
