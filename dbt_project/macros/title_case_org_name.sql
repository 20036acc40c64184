{#
    An organisation name as people read it, from an all-capitals publisher field (ODS):
    initcap, then NHS stays NHS, an apostrophe-s stays lower case (Guy's, not Guy'S), and the small
    words of, and, the, for, in, at, on, upon, with, by stay lower case except as the first word
    (Barking, Havering and Redbridge; Stoke-on-Trent). Prefer a source that publishes the name in
    normal case (int_organisation__names); this is the fallback. Unit test: int_organisation__names.
#}
{% macro title_case_org_name(name) -%}
    {%- set small_words = ['And', 'Of', 'The', 'For', 'In', 'At', 'On', 'Upon', 'With', 'By'] -%}
    {%- set ns = namespace(expr="initcap(trim(" ~ name ~ "))") -%}
    {%- set ns.expr = "regexp_replace(" ~ ns.expr ~ ", '\\mNhs\\M', 'NHS', 'g')" -%}
    {%- set ns.expr = "regexp_replace(" ~ ns.expr ~ ", '([''’])S\\M', '\\1s', 'g')" -%}
    {%- for word in small_words -%}
        {#- twice: adjacent small words ("Stoke-On-The-...") share a separator -#}
        {%- for _ in range(2) -%}
            {%- set ns.expr = "regexp_replace(" ~ ns.expr ~ ", '([ -])" ~ word ~ "([ -])', '\\1" ~ word | lower ~ "\\2', 'g')" -%}
        {%- endfor -%}
    {%- endfor -%}
    {{ ns.expr }}
{%- endmacro %}
