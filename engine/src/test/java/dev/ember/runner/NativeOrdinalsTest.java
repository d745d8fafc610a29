package dev.ember.runner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.ember.kernels.EmberNative;
import dev.ember.model.Architecture;
import dev.ember.model.DType;
import dev.ember.model.ModelConfig;
import dev.ember.model.RopeStyle;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The engine's copies of the native codes ({@link TensorKind}, {@link DType}, {@link RopeStyle}) and the
 * fields {@link NativeConfig} fills agree with the binding's constants and struct, which EmberHeaderTest in
 * the native module checks against ember.h, the source of truth of the ABI.
 */
class NativeOrdinalsTest {

  private static int constant(String name) {
    try {
      return EmberNative.class.getField(name).getInt(null);
    } catch (ReflectiveOperationException e) {
      throw new AssertionError("EmberNative has no constant " + name + " (renamed in ember.h?)", e);
    }
  }

  private static Set<String> constantsStartingWith(String prefix) {
    return Arrays.stream(EmberNative.class.getFields())
        .filter(f -> Modifier.isStatic(f.getModifiers()) && f.getName().startsWith(prefix))
        .map(f -> f.getName().substring(prefix.length())).collect(Collectors.toCollection(TreeSet::new));
  }

  @Test
  void tensorKindsAreTheNativeTensorKinds() {
    for (TensorKind k : TensorKind.values()) {
      assertEquals(constant("EMBER_W_" + k.name()), k.code(), k.name());
    }
    assertEquals(constantsStartingWith("EMBER_W_"),
        Arrays.stream(TensorKind.values()).map(Enum::name).collect(Collectors.toCollection(TreeSet::new)));
  }

  @Test
  void dtypesAreTheNativeDtypes() {
    for (DType d : DType.values()) {
      assertEquals(constant("EMBER_" + d.name()), d.code(), d.name());
    }
    assertEquals(Set.of("F32", "F16", "BF16", "Q8_0", "Q4_0"),
        Arrays.stream(DType.values()).map(Enum::name).collect(Collectors.toSet()));
  }

  @Test
  void ropeStylesAreTheNativeRopeStyles() {
    for (RopeStyle r : RopeStyle.values()) {
      assertEquals(constant("EMBER_ROPE_" + r.name()), r.ordinal(), r.name());
    }
    Set<String> nativeStyles = new TreeSet<>(constantsStartingWith("EMBER_ROPE_"));
    nativeStyles.removeIf(n -> n.startsWith("SCALING_"));
    Set<String> javaStyles = new TreeSet<>();
    for (RopeStyle r : RopeStyle.values()) {
      javaStyles.add(r.name());
    }
    assertEquals(nativeStyles, javaStyles);
  }

  @Test
  void nativeConfigSetsEveryFieldOfTheStruct() throws ReflectiveOperationException {
    ModelConfig c = new ModelConfig(Architecture.LLAMA, 11, 12, 13, 14, 15, 16, 17, 18, 0.25, 19.0,
        new ModelConfig.RopeScaling(20, 21, 22, 23), RopeStyle.INTERLEAVED, true, true, 1, List.of(2));
    EmberNative.EmberConfig n = NativeConfig.of(c);
    assertEquals(11, n.hidden_size());
    assertEquals(12, n.num_layers());
    assertEquals(13, n.num_heads());
    assertEquals(14, n.num_kv_heads());
    assertEquals(15, n.head_dim());
    assertEquals(16, n.intermediate_size());
    assertEquals(17, n.vocab_size());
    assertEquals(18, n.max_position());
    assertEquals(0.25f, n.rms_norm_eps());
    assertEquals(19f, n.rope_theta());
    assertEquals(EmberNative.EMBER_ROPE_INTERLEAVED, n.rope_style());
    assertEquals(EmberNative.EMBER_ROPE_SCALING_LLAMA3, n.rope_scaling());
    assertEquals(20f, n.rope_factor());
    assertEquals(21f, n.rope_low_freq_factor());
    assertEquals(22f, n.rope_high_freq_factor());
    assertEquals(23, n.rope_original_max_position());
    assertEquals(1, n.tie_word_embeddings());
    assertEquals(1, n.attention_bias());
    // Every field of the struct is set (none left at the zero the allocation starts from): a field added
    // to ember_config and the binding but forgotten here fails.
    for (Method getter : EmberNative.EmberConfig.class.getDeclaredMethods()) {
      if (Modifier.isNative(getter.getModifiers()) && getter.getParameterCount() == 0
          && !getter.getName().equals("allocate")) {
        Object v = getter.invoke(n);
        assertNotNull(v, getter.getName());
        assertNotEquals(0.0, ((Number) v).doubleValue(), "ember_config." + getter.getName() + " left unset");
      }
    }
    n.close();
  }
}
