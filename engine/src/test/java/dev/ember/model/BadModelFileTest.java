package dev.ember.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ember.model.create.ModelShape;
import dev.ember.model.safetensors.SafetensorsWriter;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each broken file is a good tiny model with one edit; each error names the file and the tensor or field. */
class BadModelFileTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String UP = "model.layers.1.mlp.up_proj.weight";

  @TempDir Path dir;
  private Path hf;
  private Path safetensors;
  private Path gguf;

  @BeforeEach
  void createModels() throws IOException {
    hf = TestModels.create(ModelShape.TINY, ModelFormat.HF, DType.F32, dir.resolve("hf"));
    safetensors = hf.resolve(SafetensorsWriter.SINGLE);
    gguf = TestModels.create(ModelShape.TINY, ModelFormat.GGUF, DType.Q8_0, dir.resolve("gguf"));
  }

  private String failure(Path model) {
    return assertThrows(ModelFormatException.class, () -> ModelFiles.open(model)).getMessage();
  }

  /** Rewrites the safetensors header through {@code edit}, keeping the data bytes. */
  private void editHeader(Consumer<ObjectNode> edit) throws IOException {
    byte[] file = Files.readAllBytes(safetensors);
    int headerLength = (int) ByteBuffer.wrap(file, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
    ObjectNode header = (ObjectNode) JSON.readTree(new String(file, 8, headerLength, StandardCharsets.UTF_8));
    edit.accept(header);
    byte[] json = JSON.writeValueAsBytes(header);
    ByteBuffer out = ByteBuffer.allocate(8 + json.length + file.length - 8 - headerLength).order(ByteOrder.LITTLE_ENDIAN);
    out.putLong(json.length).put(json).put(file, 8 + headerLength, file.length - 8 - headerLength);
    Files.write(safetensors, out.array());
  }

  /** Overwrites the first occurrence of {@code from} in the file with {@code to} (same length). */
  private static void patch(Path file, String from, String to) throws IOException {
    byte[] bytes = Files.readAllBytes(file);
    int at = indexOf(bytes, from.getBytes(StandardCharsets.UTF_8));
    System.arraycopy(to.getBytes(StandardCharsets.UTF_8), 0, bytes, at, to.length());
    Files.write(file, bytes);
  }

  private static int indexOf(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    throw new AssertionError("not found: " + new String(needle, StandardCharsets.UTF_8));
  }

  private static void truncate(Path file, long bytes) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
      ch.truncate(ch.size() - bytes);
    }
  }

  @Test
  void hfUnknownArchitecture() throws IOException {
    Path config = hf.resolve("config.json");
    Files.writeString(config, Files.readString(config).replace("Qwen2ForCausalLM", "GPT2LMHeadModel"));
    assertEquals("unknown architecture GPT2LMHeadModel in " + config, failure(hf));
  }

  @Test
  void ggufUnknownArchitecture() throws IOException {
    patch(gguf, "qwen2", "gpt2x");
    assertEquals("unknown architecture gpt2x in " + gguf, failure(gguf));
  }

  @Test
  void hfMissingTensor() throws IOException {
    editHeader(h -> h.remove(UP));
    assertEquals("missing tensor " + UP + " in " + safetensors, failure(hf));
  }

  @Test
  void hfUnexpectedTensor() throws IOException {
    editHeader(h -> h.set("model.layers.0.mlp.extra.weight", h.get(UP).deepCopy()));
    assertEquals("unexpected tensor model.layers.0.mlp.extra.weight in " + safetensors, failure(hf));
  }

  @Test
  void ggufUnexpectedTensor() throws IOException {
    patch(gguf, "blk.1.ffn_up.weight", "blk.1.ffn_uq.weight");
    assertEquals("unexpected tensor blk.1.ffn_uq.weight in " + gguf, failure(gguf));
  }

  @Test
  void hfWrongShape() throws IOException {
    editHeader(h -> ((ObjectNode) h.get(UP)).putArray("shape").add(64).add(128));
    assertEquals("tensor " + UP + " has shape [64, 128], expected [128, 64] in " + safetensors, failure(hf));
  }

  @Test
  void hfTruncatedData() throws IOException {
    long size = Files.size(safetensors);
    truncate(safetensors, 100);
    String message = failure(hf);
    assertTrue(message.startsWith("truncated: tensor model.norm.weight needs bytes ["), message);
    assertTrue(message.endsWith(" but " + safetensors + " has " + (size - 100) + " bytes"), message);
  }

  @Test
  void ggufTruncatedData() throws IOException {
    truncate(gguf, 100);
    String message = failure(gguf);
    assertTrue(message.startsWith("truncated: tensor model.norm.weight needs bytes ["), message);
    assertTrue(message.contains(" but " + gguf + " has "), message);
  }

  @Test
  void hfUnsupportedDtype() throws IOException {
    editHeader(h -> ((ObjectNode) h.get(UP)).put("dtype", "I8"));
    assertEquals("unsupported dtype I8 for tensor " + UP + " in " + safetensors, failure(hf));
  }

  @Test
  void ggufUnsupportedDtype() throws IOException {
    byte[] bytes = Files.readAllBytes(gguf);
    byte[] name = "blk.1.ffn_up.weight".getBytes(StandardCharsets.UTF_8);
    int typeAt = indexOf(bytes, name) + name.length + 4 + 2 * 8; // after n_dims and two dims
    assertEquals(8, bytes[typeAt], "Q8_0 type id where the test expects it");
    bytes[typeAt] = 12; // Q4_K
    Files.write(gguf, bytes);
    assertEquals("unsupported dtype (ggml type 12) for tensor blk.1.ffn_up.weight in " + gguf, failure(gguf));
  }

  @Test
  void hfHeaderLengthBeyondFile() throws IOException {
    byte[] bytes = Files.readAllBytes(safetensors);
    ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putLong(0, bytes.length);
    Files.write(safetensors, bytes);
    String message = failure(hf);
    assertTrue(message.startsWith("corrupt header") && message.contains(safetensors.toString()), message);
  }

  @Test
  void hfUnparseableHeader() throws IOException {
    patch(safetensors, "{\"", "[\"");
    String message = failure(hf);
    assertTrue(message.startsWith("corrupt header in " + safetensors), message);
  }

  @Test
  void ggufBadMagic() throws IOException {
    patch(gguf, "GGUF", "GGML");
    assertEquals("corrupt header: not a GGUF file (bad magic) in " + gguf, failure(gguf));
  }

  @Test
  void ggufHeaderCutShort() throws IOException {
    byte[] bytes = Files.readAllBytes(gguf);
    Files.write(gguf, Arrays.copyOf(bytes, 200));
    String message = failure(gguf);
    assertTrue(message.startsWith("corrupt header") && message.endsWith(" in " + gguf), message);
  }
}
