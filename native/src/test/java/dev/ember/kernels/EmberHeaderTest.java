package dev.ember.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.annotation.Annotation;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bytedeco.javacpp.annotation.Cast;
import org.bytedeco.javacpp.annotation.Name;
import org.junit.jupiter.api.Test;

/**
 * {@code ember.h} is the one source of truth of the C ABI; the JavaCPP binding {@link EmberNative} is written
 * by hand and checked here against it: every enum constant with its value, every struct field with its type,
 * every function with its parameter and return types, in both directions (nothing missing, nothing extra).
 * The engine's own copies of the codes (TensorKind, DType, RopeStyle, NativeConfig) are checked against
 * EmberNative by the engine's NativeOrdinalsTest.
 */
class EmberHeaderTest {
  private static final Path HEADER = Path.of("src/main/cpp/ember.h");

  /** The parsed header: enums (constant to value), structs (field to C type, in order), prototypes. */
  record Header(Map<String, Integer> constants, Map<String, Map<String, String>> structs,
      Map<String, Prototype> functions) {}

  record Prototype(String returnType, List<String> paramTypes) {}

  static Header parse(String source) {
    String text = source.replaceAll("(?s)/\\*.*?\\*/", " ").replaceAll("//[^\\n]*", " ")
        .replaceAll("(?m)^\\s*#.*$", " ");
    Map<String, Integer> constants = new TreeMap<>();
    Matcher e = Pattern.compile("enum\\s+\\w+\\s*\\{([^}]*)\\}\\s*;").matcher(text);
    while (e.find()) {
      for (String item : e.group(1).split(",")) {
        String[] kv = item.trim().split("\\s*=\\s*");
        if (kv.length != 2) {
          throw new AssertionError("enum constant without an explicit value in ember.h: '" + item.trim() + "'");
        }
        constants.put(kv[0], Integer.decode(kv[1]));
      }
    }
    Map<String, Map<String, String>> structs = new TreeMap<>();
    Matcher s = Pattern.compile("typedef\\s+struct\\s+(\\w+)\\s*\\{([^}]*)\\}\\s*\\w+\\s*;").matcher(text);
    while (s.find()) {
      Map<String, String> fields = new LinkedHashMap<>();
      for (String decl : s.group(2).split(";")) {
        if (!decl.isBlank()) {
          String[] tn = splitDeclaration(decl);
          fields.put(tn[1], tn[0]);
        }
      }
      structs.put(s.group(1), fields);
    }
    String outside = text.replaceAll("(?s)typedef\\s+struct\\s+\\w+\\s*\\{[^}]*\\}\\s*\\w+\\s*;", " ")
        .replaceAll("(?s)enum\\s+\\w+\\s*\\{[^}]*\\}\\s*;", " ");
    Map<String, Prototype> functions = new TreeMap<>();
    Matcher f = Pattern.compile("([\\w\\s*]+?)\\b(ember_\\w+)\\s*\\(([^)]*)\\)\\s*;").matcher(outside);
    while (f.find()) {
      List<String> params = new ArrayList<>();
      String p = f.group(3).trim();
      if (!p.equals("void") && !p.isEmpty()) {
        for (String decl : p.split(",")) {
          params.add(splitDeclaration(decl)[0]);
        }
      }
      functions.put(f.group(2), new Prototype(normalize(f.group(1)), params));
    }
    return new Header(constants, structs, functions);
  }

  /** "const int32_t* token_ids" to {"const int32_t*", "token_ids"}. */
  private static String[] splitDeclaration(String decl) {
    Matcher m = Pattern.compile("^(.*?)(\\w+)$").matcher(decl.trim());
    if (!m.matches()) {
      throw new AssertionError("cannot read declaration '" + decl.trim() + "' in ember.h");
    }
    return new String[] {normalize(m.group(1)), m.group(2)};
  }

  /** Collapses whitespace and binds '*' to the type: "const  char *" to "const char*". */
  static String normalize(String cType) {
    return cType.trim().replaceAll("\\s+", " ").replaceAll("\\s*\\*", "*").replaceAll("extern \"C\" ", "");
  }

  /** Java types JavaCPP maps to a C type, as the binding may declare them. */
  static List<Class<?>> javaTypesFor(String cType) {
    return switch (cType) {
      case "void" -> List.of(void.class);
      case "int", "int32_t" -> List.of(int.class);
      case "int64_t" -> List.of(long.class);
      case "float" -> List.of(float.class);
      case "double" -> List.of(double.class);
      case "const char*" -> List.of(String.class);
      case "int64_t*" -> List.of(long[].class, long.class);
      case "const ember_config*" -> List.of(EmberNative.EmberConfig.class);
      case "const ember_step*" -> List.of(EmberNative.EmberStep.class);
      default -> cType.endsWith("*") ? List.of(long.class) : List.of();
    };
  }

  private static Header header() throws IOException {
    assertTrue(Files.isRegularFile(HEADER), "run from the native module: " + HEADER.toAbsolutePath());
    return parse(Files.readString(HEADER));
  }

  /** Enum constants of the header missing from the binding, extra in it, or with another value. */
  static List<String> constantMismatches(Header h) throws IllegalAccessException {
    Map<String, Integer> bound = new TreeMap<>();
    for (Field f : EmberNative.class.getFields()) {
      if (Modifier.isStatic(f.getModifiers()) && f.getType() == int.class && f.getName().startsWith("EMBER_")) {
        bound.put(f.getName(), f.getInt(null));
      }
    }
    List<String> out = new ArrayList<>();
    for (Map.Entry<String, Integer> c : h.constants().entrySet()) {
      Integer b = bound.get(c.getKey());
      if (!c.getValue().equals(b)) {
        out.add(c.getKey() + " = " + c.getValue() + " in ember.h, " + (b == null ? "missing" : "= " + b) + " in EmberNative");
      }
    }
    bound.keySet().stream().filter(k -> !h.constants().containsKey(k))
        .forEach(k -> out.add(k + " is in EmberNative but not in ember.h"));
    return out;
  }

  /** Fields of a header struct missing from its binding class, extra in it, or of another type. */
  static List<String> structMismatches(Header h, String name, Class<?> binding) {
    List<String> out = new ArrayList<>();
    Name bindingName = binding.getAnnotation(Name.class);
    if (bindingName == null || !name.equals(bindingName.value()[0])) {
      out.add(binding.getSimpleName() + " is not bound to " + name);
    }
    Map<String, String> fields = h.structs().get(name);
    if (fields == null) {
      out.add(name + " is not in ember.h");
      return out;
    }
    Map<String, Class<?>> getters = new TreeMap<>();
    for (Method m : binding.getDeclaredMethods()) {
      if (Modifier.isNative(m.getModifiers()) && m.getParameterCount() == 0 && !m.getName().equals("allocate")) {
        getters.put(m.getName(), m.getReturnType());
      }
    }
    getters.keySet().stream().filter(g -> !fields.containsKey(g))
        .forEach(g -> out.add(name + "." + g + " is bound but not in ember.h"));
    for (Map.Entry<String, String> f : fields.entrySet()) {
      String where = name + "." + f.getKey();
      Class<?> javaType = getters.get(f.getKey());
      if (javaType == null) {
        out.add(where + " (" + f.getValue() + ") has no accessor in " + binding.getSimpleName());
        continue;
      }
      if (!javaTypesFor(f.getValue()).contains(javaType)) {
        out.add(where + " is " + f.getValue() + " in ember.h but " + javaType.getSimpleName() + " in the binding");
      }
      Method setter = Arrays.stream(binding.getDeclaredMethods())
          .filter(m -> m.getName().equals(f.getKey()) && m.getParameterCount() == 1).findFirst().orElse(null);
      if (setter == null || setter.getParameterTypes()[0] != javaType) {
        out.add(where + " has no setter taking " + javaType.getSimpleName());
      } else {
        checkCast(setter.getParameterAnnotations()[0], f.getValue(), where + " setter", out);
      }
    }
    return out;
  }

  /** Header functions missing from the binding, extra in it, or bound with other types. */
  static List<String> functionMismatches(Header h) {
    Map<String, Method> bound = new TreeMap<>();
    for (Method m : EmberNative.class.getDeclaredMethods()) {
      if (Modifier.isNative(m.getModifiers()) && Modifier.isStatic(m.getModifiers())) {
        bound.put(m.getName(), m);
      }
    }
    List<String> out = new ArrayList<>();
    bound.keySet().stream().filter(n -> !h.functions().containsKey(n))
        .forEach(n -> out.add(n + " is bound but not declared in ember.h"));
    for (Map.Entry<String, Prototype> e : h.functions().entrySet()) {
      Method m = bound.get(e.getKey());
      Prototype p = e.getValue();
      if (m == null) {
        out.add(e.getKey() + " is declared in ember.h but not bound");
        continue;
      }
      if (!javaTypesFor(p.returnType()).contains(m.getReturnType())) {
        out.add(e.getKey() + " returns " + p.returnType() + " but is bound returning " + m.getReturnType());
      }
      if (m.getParameterCount() != p.paramTypes().size()) {
        out.add(e.getKey() + " takes " + p.paramTypes() + " but is bound with " + m.getParameterCount() + " parameters");
        continue;
      }
      for (int i = 0; i < p.paramTypes().size(); i++) {
        String c = p.paramTypes().get(i);
        Class<?> j = m.getParameterTypes()[i];
        if (!javaTypesFor(c).contains(j)) {
          out.add(e.getKey() + " parameter " + i + " is " + c + " but bound as " + j.getSimpleName());
        }
        checkCast(m.getParameterAnnotations()[i], c, e.getKey() + " parameter " + i, out);
      }
    }
    return out;
  }

  /** A pointer bound as a Java long must carry the header's C type in its @Cast. */
  private static void checkCast(Annotation[] annotations, String cType, String where, List<String> out) {
    if (!cType.endsWith("*") || cType.equals("const char*") || cType.equals("int64_t*")
        || cType.equals("const ember_config*") || cType.equals("const ember_step*")) {
      return;
    }
    for (Annotation a : annotations) {
      if (a instanceof Cast cast) {
        if (!cType.equals(normalize(cast.value()[0]))) {
          out.add(where + ": @Cast(\"" + cast.value()[0] + "\") but ember.h says " + cType);
        }
        return;
      }
    }
    out.add(where + ": pointer " + cType + " bound without @Cast");
  }

  @Test
  void parserReadsEnumsStructsAndPrototypes() {
    Header h = parse("""
        /* a comment with enum x { Y = 1 }; inside */
        enum ember_a { EMBER_X = 0, EMBER_Y = -4 };
        typedef struct ember_s { int32_t n; const int32_t* ids; float* out; } ember_s;
        // int ember_commented(void);
        ember_model* ember_new(const ember_config* c, const char* device,
                               int32_t threads);
        void ember_nothing(void);
        """);
    assertEquals(Map.of("EMBER_X", 0, "EMBER_Y", -4), h.constants());
    assertEquals(List.of("n", "ids", "out"), List.copyOf(h.structs().get("ember_s").keySet()));
    assertEquals("const int32_t*", h.structs().get("ember_s").get("ids"));
    assertEquals(new Prototype("ember_model*", List.of("const ember_config*", "const char*", "int32_t")),
        h.functions().get("ember_new"));
    assertEquals(new Prototype("void", List.of()), h.functions().get("ember_nothing"));
    assertEquals(2, h.functions().size());
  }

  @Test
  void everyEnumConstantOfTheHeaderIsBoundWithItsValueAndNothingElse() throws Exception {
    Header h = header();
    assertTrue(h.constants().containsKey("EMBER_ERR_BACKEND_UNAVAILABLE") && h.constants().containsKey("EMBER_W_DOWN"));
    assertEquals(List.of(), constantMismatches(h));
  }

  @Test
  void everyStructFieldIsBoundWithItsType() throws IOException {
    Header h = header();
    assertEquals(new TreeSet<>(List.of("ember_config", "ember_step")), h.structs().keySet());
    assertEquals(List.of(), structMismatches(h, "ember_config", EmberNative.EmberConfig.class));
    assertEquals(List.of(), structMismatches(h, "ember_step", EmberNative.EmberStep.class));
  }

  @Test
  void everyFunctionOfTheHeaderIsBoundWithItsTypesAndNothingElse() throws IOException {
    Header h = header();
    assertTrue(h.functions().containsKey("ember_model_new") && h.functions().containsKey("ember_last_error_code"));
    assertEquals(List.of(), functionMismatches(h));
  }

  @Test
  void aHeaderThatDriftedFromTheBindingIsReportedPrecisely() throws Exception {
    String real = Files.readString(HEADER);
    String drifted = replaceOnce(real, "EMBER_Q4_0 = 4", "EMBER_Q4_0 = 5");
    drifted = replaceOnce(drifted, "  int32_t attention_bias;", "  int32_t attention_bias;\n  float sliding_window;");
    drifted = replaceOnce(drifted, "const char* ember_isa(void);", "int32_t ember_isa(void);");
    drifted = replaceOnce(drifted, "void ember_kv_free(ember_kv* kv);", "void ember_kv_free(ember_kv* kv, int32_t sync);");
    drifted = replaceOnce(drifted, "int ember_kv_read_block(const ember_kv* kv,", "int ember_kv_read_block(ember_kv* kv,");
    Header h = parse(drifted);
    assertEquals(List.of("EMBER_Q4_0 = 5 in ember.h, = 4 in EmberNative"), constantMismatches(h));
    assertEquals(List.of("ember_config.sliding_window (float) has no accessor in EmberConfig"),
        structMismatches(h, "ember_config", EmberNative.EmberConfig.class));
    assertEquals(List.of("ember_isa returns int32_t but is bound returning class java.lang.String",
        "ember_kv_free takes [ember_kv*, int32_t] but is bound with 1 parameters",
        "ember_kv_read_block parameter 0: @Cast(\"const ember_kv*\") but ember.h says ember_kv*"),
        functionMismatches(h));
  }

  private static String replaceOnce(String text, String from, String to) {
    assertTrue(text.contains(from), "ember.h no longer contains '" + from + "'");
    return text.replace(from, to);
  }
}
