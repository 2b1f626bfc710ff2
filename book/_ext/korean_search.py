"""Search for the Korean edition: Korean words found by their stem, whatever particle they carry.

Sphinx has no Korean search language; with ``language = "ko"`` it falls back to English, whose
index holds each Hangul word as written, particles and all: 합성곱을, 합성곱은 and 합성곱이 are
three unrelated words, and a search for 합성곱 finds only the pages that happen to write it bare
(or, for words of three letters or more, every word that contains it). ``SearchKorean`` stems
Korean words in the index and in the query alike: the particles and endings of ``ENDINGS``
(조사, 하다/되다 endings, the plural 들) are taken off the end of a word, longest first and
again until none is left, so 잔차를, 잔차는 and 잔차에서도 all become 잔차, and ResNet의 is indexed
as resnet. ``NOUNS`` stops the stripping at nouns that end in a syllable that is also a
particle (깊이, 정의, 결과, 속도...), and a shorter ending wins when it leaves one of them
(결과는 is 결과 + 는, not 결 + 과는): without them, 정의 (definition) would become 정 and find
every page with 정도. The words of the glossary's Korean terms are added to them at build time.
Latin words are stemmed as in English (Porter), so "networks" finds "network" in Korean pages.

The browser stems the query with the same rules: the JavaScript stemmer is generated from the
same two lists (``js_stemmer_code``), and tests/test_i18n.py checks the two agree.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import snowballstemmer
from sphinx.search import SearchLanguage
from sphinx.search.en import SearchEnglish, js_porter_stemmer

from glossary_terms import GLOSSARY, read_glossary

HANGUL = "\uac00-\ud7a3"
ENDS_IN_HANGUL = re.compile(f"[{HANGUL}]$")
LATIN_WORD = re.compile(r"[a-z]+")

# particles (조사) and endings that follow a noun in this book's prose
ENDINGS = sorted(set("""
은 는 이 가 을 를 의 에 와 과 도 로 만 나 들
으로 에서 에게 까지 부터 보다 처럼 만큼 마다 이나 이란 이며 이고 이다 이면 이든 이라
으로서 으로써 로서 로써 에서는 에서도 에서의 으로는 으로도 로는 로도 에는 에도 에의
와는 과는 와도 과도 만을 만이 만의 까지는 부터는 보다는 이라는 라는 이라고 라고
이지만 이므로 이어서 이었다 였다 입니다 이에요 예요 인데 인지
한다 하는 하고 하여 해서 했다 하면 하며 하기 하지 하게 할 한 함 합니다 했습니다 하려면
된다 되는 되고 되어 됐다 된 될 됩니다 되며 되면 되지 시킨다 시키는 시킨 시켜
""".split()), key=lambda e: (-len(e), e))

# nouns that end in a syllable of ENDINGS: stripping stops at them
NOUNS = frozenset("""
정의 의의 주의 논의 회의 합의 동의 거의 결과 효과 통과 초과 평가 추가 증가 대가 전문가 하나
정도 속도 각도 밀도 빈도 강도 척도 온도 정확도 유사도 복잡도 해상도 중요도 민감도 시도 의도
경로 회로 통로 세로 가로 차이 사이 깊이 높이 길이 넓이 나이 포함 역할 제한 무한 유한 권한
""".split())


def strip_endings(word: str, nouns=NOUNS) -> str:
    """A Hangul word without its particles and endings: 잔차에서도 -> 잔차, 모델들은 -> 모델."""
    while ENDS_IN_HANGUL.search(word) and word not in nouns:
        endings = [e for e in ENDINGS if len(word) > len(e) and word.endswith(e)]
        if not endings:
            break
        # the longest ending, unless a shorter one leaves a noun of the list (결과는: 결과 + 는,
        # not 결 + 과는)
        word = word[:-len(next((e for e in endings if word[:-len(e)] in nouns), endings[0]))]
    return word


class SearchKorean(SearchLanguage):
    lang = "ko"
    language_name = "Korean"
    stopwords = SearchEnglish.stopwords     # the English words of the Korean pages
    nouns = NOUNS

    def init(self, options: dict[str, str]) -> None:
        self.porter = snowballstemmer.stemmer("porter")

    def stem(self, word: str) -> str:
        word = strip_endings(word.lower(), self.nouns)
        # searchtools.js's Porter stemmer leaves words of one or two letters as they are
        latin = LATIN_WORD.fullmatch(word) and len(word) > 2
        return self.porter.stemWord(word) if latin else word

    @property
    def js_stemmer_code(self) -> str:   # read by Sphinx for language_data.js
        return js_stemmer(self.nouns)


def js_stemmer(nouns) -> str:
    """The stemmer searchtools.js applies to each query word, made from the same lists."""
    porter = js_porter_stemmer.replace("var Stemmer = function", "var PorterStemmer = function")
    return porter + f"""
/**
 * Korean stemmer (book/_ext/korean_search.py): particles and endings off Hangul words,
 * Porter for Latin words.
 */
var KOREAN_ENDINGS = {json.dumps(ENDINGS, ensure_ascii=False)};
var KOREAN_NOUNS = new Set({json.dumps(sorted(nouns), ensure_ascii=False)});
var stripKoreanEndings = function(word) {{
  while (/[{HANGUL}]$/.test(word) && !KOREAN_NOUNS.has(word)) {{
    var endings = KOREAN_ENDINGS.filter(function(e) {{
      return word.length > e.length && word.endsWith(e);
    }});
    if (endings.length === 0) break;
    var ending = endings.find(function(e) {{
      return KOREAN_NOUNS.has(word.slice(0, word.length - e.length));
    }}) || endings[0];
    word = word.slice(0, word.length - ending.length);
  }}
  return word;
}};
var Stemmer = function() {{
  var porter = new PorterStemmer();
  this.stemWord = function(word) {{
    word = stripKoreanEndings(word.toLowerCase());
    return /^[a-z]+$/.test(word) ? porter.stemWord(word) : word;
  }};
}};
"""


def setup(app):
    app.add_search_language(SearchKorean)
    app.connect("builder-inited", protect_glossary_nouns)
    return {"parallel_read_safe": True, "parallel_write_safe": True}


def protect_glossary_nouns(app) -> None:
    """The words of the glossary's Korean terms are nouns too."""
    path = Path(app.srcdir, GLOSSARY)
    words = {w for concept in (read_glossary(path) if path.is_file() else [])
             for term in concept.korean for w in re.findall(f"[{HANGUL}]+", term)}
    SearchKorean.nouns = NOUNS | words
