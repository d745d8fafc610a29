package dev.ember.cluster.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.ember.engine.RequestOutput;
import dev.ember.engine.RequestTimings;
import dev.ember.engine.TokenLogprobs;
import dev.ember.engine.Usage;
import dev.ember.function.FunctionException;
import dev.ember.function.InferenceRequest;
import dev.ember.function.Prompt;
import dev.ember.kv.BlockHasher;
import dev.ember.kv.PromptHashes;
import dev.ember.sample.FinishReason;
import dev.ember.sample.SamplingParams;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A forwarded request and its outputs cross the wire unchanged, so the entry replica renders a local answer. */
class ForwardCodecTest {
  private static final SamplingParams PARAMS = SamplingParams.builder().n(2).temperature(0.7).topK(40).topP(0.9)
      .seed(7L).logitBias(5, -2.5).stop("END").stopTokenIds(3, 4).maxTokens(32).minTokens(1).logprobs(2)
      .ignoreEos(true).build();

  @Test
  void requestsKeepTheirTokenIdsAndSamplingParameters() {
    InferenceRequest r = new InferenceRequest("cmpl-1", "demo", new Prompt.Tokens(new int[] {1, 2, 3}), PARAMS,
        "tenant-a", 2);
    InferenceRequest back = ForwardCodec.decodeRequest(ForwardCodec.encodeRequest(r));
    assertArrayEquals(new int[] {1, 2, 3}, assertInstanceOf(Prompt.Tokens.class, back.prompt()).ids());
    assertEquals(PARAMS, back.params());
    assertEquals(List.of(r.requestId(), r.function(), r.cacheSalt(), r.priority()),
        List.of(back.requestId(), back.function(), back.cacheSalt(), back.priority()));
  }

  @Test
  void aTokenizedPromptsBlockHashesTravelWithIt() {
    int[] ids = new int[40];
    java.util.Arrays.setAll(ids, i -> 3 + i);
    PromptHashes h = PromptHashes.of(new BlockHasher("seed-x"), "seed-x", ids, 16, "tenant-a");
    InferenceRequest back = ForwardCodec.decodeRequest(ForwardCodec.encodeRequest(new InferenceRequest("r", "demo",
        new Prompt.Tokens(ids), SamplingParams.DEFAULTS, "tenant-a", 0, h)));
    assertEquals(List.of("seed-x", 16, "tenant-a"), List.of(back.promptHashes().seed(), back.promptHashes().blockSize(),
        back.promptHashes().cacheSalt()));
    assertArrayEquals(h.hashes(), back.promptHashes().hashes());
    assertArrayEquals(h.keys(), back.promptHashes().keys());
  }

  @Test
  void untokenizedPromptsTravelAsTheyCame() {
    Prompt chat = new Prompt.Chat(List.of(Map.of("role", "user", "content", "hi")), true, Map.of("enable_thinking", false));
    for (Prompt p : List.of(new Prompt.Text("hello"), chat)) {
      InferenceRequest back = ForwardCodec.decodeRequest(ForwardCodec.encodeRequest(
          new InferenceRequest("r", "demo", p, SamplingParams.DEFAULTS, null, 0)));
      assertEquals(p, back.prompt());
      assertEquals(SamplingParams.DEFAULTS, back.params());
    }
  }

  @Test
  void outputsRoundTripFieldForField() {
    List<RequestOutput> outputs = List.of(
        new RequestOutput("r", 0, 17, "a", new TokenLogprobs(17, -0.5f, new int[] {17, 3}, new float[] {-0.5f, -1.5f}),
            null, null, null, null, null),
        new RequestOutput("r", 1, 4, "", null, FinishReason.STOP, 4, null, null, null),
        new RequestOutput("r", 0, -1, "b", null, FinishReason.STOP, "END", new Usage(10, 2, 8),
            new RequestTimings(1, 2, 3, 0), null),
        new RequestOutput("r", 0, -1, "", null, FinishReason.ABORT, null, new Usage(10, 0, 0),
            new RequestTimings(0, 0, 0, 0), "engine shut down"));
    for (RequestOutput out : outputs) {
      RequestOutput back = roundTrip(out);
      assertEquals(out.toString().replaceAll("\\[[IF]@[0-9a-f]+", ""), back.toString().replaceAll("\\[[IF]@[0-9a-f]+", ""));
      if (out.logprobs() != null) {
        assertArrayEquals(out.logprobs().topIds(), back.logprobs().topIds());
        assertArrayEquals(out.logprobs().topLogprobs(), back.logprobs().topLogprobs());
      }
    }
  }

  @Test
  void plainTokenEventsTravelAsCompactBinaryFramesWithTheirTextIntact() {
    for (String text : Arrays.asList("a", " hello", "", null, "\u00e9t\u00e9", "\u6f22\u5b57", "\ud83d\ude00!", "\n\"\\")) {
      RequestOutput out = new RequestOutput("cmpl-9", 1, 4242, text, null, null, null, null, null, null);
      Buffer frame = ForwardCodec.encodeOutput(out);
      int textBytes = text == null ? 0 : text.getBytes(StandardCharsets.UTF_8).length;
      assertEquals(ForwardCodec.TOKEN, frame.getByte(4), "kind of " + text);
      assertEquals(4 + 1 + 12 + textBytes, frame.length(), "size of " + text);
      assertEquals(out, roundTrip(out));
    }
  }

  @Test
  void aTokenWhoseTextHoldsALoneSurrogateTravelsAsJsonInstead() {
    RequestOutput out = new RequestOutput("r", 0, 5, "x\ud83d", null, null, null, null, null, null);
    Buffer frame = ForwardCodec.encodeOutput(out);
    assertEquals(ForwardCodec.OUTPUT, frame.getByte(4));
    assertEquals(out.tokenId(), roundTrip(out).tokenId());
  }

  @Test
  void framesCutAnywhereByTheNetworkArriveWhole() {
    List<RequestOutput> outputs = List.of(
        new RequestOutput("r", 0, 17, "He", null, null, null, null, null, null),
        new RequestOutput("r", 0, 18, "llo \u00e9", null, null, null, null, null, null),
        new RequestOutput("r", 0, -1, "!", null, FinishReason.LENGTH, null, new Usage(10, 3, 8),
            new RequestTimings(1, 2, 3, 0), null));
    Buffer stream = ForwardCodec.accepted(10);
    outputs.forEach(o -> stream.appendBuffer(ForwardCodec.encodeOutput(o)));
    for (int cut : new int[] {1, 2, 3, 7, 16, stream.length()}) {
      List<Buffer> frames = new ArrayList<>();
      ForwardFrames parser = new ForwardFrames(frames::add, e -> { throw new AssertionError(e); });
      for (int at = 0; at < stream.length(); at += cut) {
        parser.handle(stream.slice(at, Math.min(stream.length(), at + cut)).copy());
      }
      assertEquals(4, frames.size(), "cut every " + cut);
      assertEquals(10, ForwardCodec.acceptedTokens(frames.get(0)));
      for (int i = 0; i < outputs.size(); i++) {
        assertEquals(outputs.get(i).toString(), ForwardCodec.decodeOutput("r", frames.get(i + 1)).toString());
      }
    }
  }

  @Test
  void aStreamThatIsNotFramesFailsInsteadOfWaitingForever() {
    List<Throwable> errors = new ArrayList<>();
    ForwardFrames parser = new ForwardFrames(f -> { throw new AssertionError("no frame expected"); }, errors::add);
    parser.handle(Buffer.buffer("{\"accepted\":3}\n"));
    assertEquals(1, errors.size());
    assertThrows(IllegalArgumentException.class,
        () -> ForwardCodec.decodeOutput("r", Buffer.buffer().appendByte(ForwardCodec.TOKEN).appendInt(1)));
  }

  private static RequestOutput roundTrip(RequestOutput out) {
    Buffer frame = ForwardCodec.encodeOutput(out);
    assertEquals(frame.length() - 4, frame.getInt(0), "length prefix");
    return ForwardCodec.decodeOutput(out.requestId(), frame.slice(4, frame.length()));
  }

  @Test
  void refusalsKeepStatusCodeAndRetryAfter() {
    FunctionException e = FunctionException.queueFull("demo", 3);
    FunctionException back = ForwardCodec.decodeError(429, ForwardCodec.encodeError(e));
    assertEquals(List.of(e.status(), e.type(), String.valueOf(e.code()), e.getMessage(), e.retryAfterSeconds()),
        List.of(back.status(), back.type(), String.valueOf(back.code()), back.getMessage(), back.retryAfterSeconds()));
  }
}
