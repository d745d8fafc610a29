package dev.ember.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.ember.tokenizer.internal.TemplateFunctions;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The Jinja2/Python features chat templates use, rendered as Jinja2 in transformers does. */
class ChatTemplateTest {

  private static String render(String template) {
    return ChatTemplate.of(template, "<s>", "</s>")
        .render(List.of(Map.of("role", "user", "content", "  Hello, World  ")), false, Map.of("xs", List.of(1, 2, 3)));
  }

  static Stream<Arguments> expressions() {
    return Stream.of(
        Arguments.of("{% if 'abc'.startswith('ab') and 'abc'.endswith('bc') and not 'abc'.startswith('b') %}yes{% endif %}", "yes"),
        Arguments.of("[{{ messages[0].content.strip() }}]", "[Hello, World]"),
        Arguments.of("[{{ 'xxhixx'.lstrip('x') }}|{{ 'xxhixx'.rstrip('x') }}|{{ '\\nhi\\n'.strip('\\n') }}]", "[hixx|xxhi|hi]"),
        Arguments.of("{{ 'a|b||c'.split('|') | join(',') }}", "a,b,,c"),
        Arguments.of("{{ 'a.b'.split('.')[-1] }}", "b"),
        Arguments.of("{{ 'aXbX'.replace('X', '-') }}", "a-b-"),
        Arguments.of("{{ 'hello world'.upper() }} {{ 'ABC'.lower() }} {{ 'hello wORLD'.title() }}", "HELLO WORLD abc Hello World"),
        Arguments.of("{{ 'abc'[::-1] }}", "cba"),
        Arguments.of("{% for x in xs[::-1] %}{{ x }}{% endfor %}", "321"),
        Arguments.of("{{ xs[:2] | join(',') }} {{ xs[1:] | join(',') }}", "1,2 2,3"),
        Arguments.of("{{ xs[::2] | join(',') }}", "1,3"),
        Arguments.of("{% set ns = namespace(n=xs|length - 1, s='') %}{% set ns.s = 'x' %}{{ ns.n }}{{ ns.s }}", "2x"),
        Arguments.of("{{ bos_token }}{{ eos_token }}", "<s></s>"),
        Arguments.of("{% if true %}\n  a\n{% endif %}\n", "  a\n"),
        Arguments.of("  {% if true %}\nb{% endif %}", "b"),
        Arguments.of("x  {{- ' y ' -}}  z", "x y z"),
        Arguments.of("a {# note #}\nb", "a b"),
        Arguments.of("{{ '[::-1]' }}", "[::-1]"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("expressions")
  void rendersPythonAndJinja2Semantics(String template, String expected) {
    assertEquals(expected, render(template));
  }

  @Test
  void toJsonUsesPythonSeparatorsAndKeepsOrderAndUnicode() {
    Map<String, Object> tool = new LinkedHashMap<>();
    tool.put("name", "weather");
    tool.put("args", List.of("city", "día"));
    tool.put("n", 2);
    tool.put("ok", true);
    tool.put("none", null);
    String out = ChatTemplate.of("{{ tool | tojson }}", null, null).render(List.of(), false, Map.of("tool", tool));
    assertEquals("{\"name\": \"weather\", \"args\": [\"city\", \"día\"], \"n\": 2, \"ok\": true, \"none\": null}", out);
  }

  @Test
  void toJsonIndents() {
    String out = ChatTemplate.of("{{ x | tojson(indent=2) }}", null, null)
        .render(List.of(), false, Map.of("x", Map.of("a", List.of(1))));
    assertEquals("{\n  \"a\": [\n    1\n  ]\n}", out);
  }

  @Test
  void raiseExceptionSurfacesTheTemplatesMessage() {
    ChatTemplate t = ChatTemplate.of(
        "{% if messages[0].role != 'user' %}{{ raise_exception('Conversation roles must alternate user/assistant') }}{% endif %}ok",
        null, null);
    ChatTemplateException e = assertThrows(ChatTemplateException.class,
        () -> t.render(List.of(Map.of("role", "assistant", "content", "x")), false));
    assertEquals("Conversation roles must alternate user/assistant", e.getMessage());
    assertEquals("ok", t.render(List.of(Map.of("role", "user", "content", "x")), false));
  }

  @Test
  void brokenTemplateIsAChatTemplateException() {
    ChatTemplate t = ChatTemplate.of("{{ messages[0].content.nosuchmethod() }}", null, null);
    assertThrows(ChatTemplateException.class, () -> t.render(List.of(Map.of("role", "user", "content", "x")), false));
  }

  @Test
  void strftimeFormatsPythonDirectives() {
    ZonedDateTime t = ZonedDateTime.of(2024, 7, 5, 14, 3, 9, 0, ZoneOffset.UTC);
    assertEquals("05 Jul 2024", TemplateFunctions.strftime("%d %b %Y", t));
    assertEquals("Friday, July 5 02:03:09 PM 100%", TemplateFunctions.strftime("%A, %B %-d %I:%M:%S %p 100%%", t));
  }

  @Test
  void strftimeNowIsCallableFromTemplates() {
    String year = ChatTemplate.of("{{ strftime_now('%Y') }}", null, null).render(List.of(), false);
    assertEquals(4, year.length());
  }
}
