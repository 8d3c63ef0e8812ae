"""The paragraphs of the methods draft, in English and Korean (see :mod:`emobatch.report.methods`).

Every value goes through the :class:`~emobatch.report.methods.Facts` given; literal text holds
no digits (the test of the methods draft checks that).
"""

from __future__ import annotations

from emobatch.report.methods import TODO_EN, TODO_KO, Facts


def _answered(f: Facts, rows_word: str) -> str:
    answered = f.get("model", "answered") or {}
    return ", ".join(
        f"{f.key(mv, 'model', 'answered')} ({f('int', 'model', 'answered', mv)} {rows_word})"
        for mv in answered
    )


def _dropped(f: Facts) -> str:
    dropped = f.get("selection", "dropped") or {}
    return ", ".join(
        f"{f.key(k, 'selection', 'dropped')} {f('int', 'selection', 'dropped', k)}"
        for k, v in dropped.items()
        if v
    )


def _period(f: Facts) -> tuple[str, str]:
    first = f("date", "batch", "first_submitted_at") if f.has("batch", "first_submitted_at") else ""
    last = f("date", "batch", "last_finished_at") if f.has("batch", "last_finished_at") else ""
    return first, last


def _engine_en(f: Facts) -> str:
    if f.get("engine", "kind") == "lexicon":
        return (
            f"the offline dictionary baseline {f('text', 'engine', 'version')} (not an LLM; it "
            f"answered requests shaped for {f('text', 'model', 'requested')}, and no money was "
            "spent)"
        )
    return f"{f('text', 'model', 'requested')} through the Gemini API"


def _engine_ko(f: Facts) -> str:
    if f.get("engine", "kind") == "lexicon":
        return (
            f"LLM이 아닌 오프라인 사전 기반 기준 모델 {f('text', 'engine', 'version')}"
            f"({f('text', 'model', 'requested')}용 요청 형식, 비용 없음)"
        )
    return f"Gemini API의 {f('text', 'model', 'requested')}"


def english(f: Facts) -> list[str]:
    first, last = _period(f)
    when = f"on {first}" if first == last else f"from {first} to {last}"
    out = [
        f"**Annotation.** Each post was coded for its primary emotion, the intensity of each "
        f"emotion and its sentiment by {_engine_en(f)}, in {f('text', 'delivery')} mode, with the "
        f"codebook {f('text', 'codebook', 'name')} (version {f('text', 'codebook', 'version')}), "
        "whose labels, definitions and instructions form the system prompt; its full text is in "
        f"the provenance record. The model requested was {f('text', 'model', 'requested')}; the "
        f"API reported answers from {_answered(f, 'rows')}, and "
        f"{f('int', 'model', 'routed_rows')} rows came from another model than the one "
        f"requested. Generation settings as sent: `{f('json', 'generation', 'sent')}`. "
        f"{f('int', 'batch', 'jobs_count')} batch job(s) ran {when}.",
        "",
    ]
    sel = (
        f"**Sample.** Of {f('int', 'selection', 'rows_read')} posts read from "
        f"`{f('text', 'input', 'path')}`, the filter removed "
        f"{f('int', 'selection', 'dropped_total')} ({_dropped(f) or 'none'}), leaving a "
        f"population of {f('int', 'selection', 'population')}. "
    )
    if f.has("selection", "cochran"):
        sel += (
            f"The sample size, {f('int', 'selection', 'sample_size')} posts, follows Cochran's "
            "formula with finite-population correction (confidence "
            f"{f('pct', 'selection', 'cochran', 'confidence')}, margin of error "
            f"{f('pct', 'selection', 'cochran', 'margin_of_error')}, expected proportion "
            f"{f('pct', 'selection', 'cochran', 'proportion')}, at least "
            f"{f('int', 'selection', 'cochran', 'min_size')}); the posts were drawn at random "
            f"(seed {f('plain', 'selection', 'seed')}). "
        )
    else:
        sel += f"{f('int', 'selection', 'sample_size')} posts were selected. "
    sel += (
        f"{f('int', 'dataset', 'ok')} of {f('int', 'dataset', 'rows')} posts were coded; "
        f"{f('int', 'dataset', 'failed')} could not be."
    )
    out += [sel, ""]
    out += [_agreement_en(f), ""]
    out += [
        f"**Cost.** The run used {f('int', 'tokens', 'prompt')} input and "
        f"{f('int', 'tokens', 'output')} output tokens ({f('int', 'tokens', 'thoughts')} of "
        f"them thinking); at the batch prices of {f('text', 'cost', 'prices', 'taken_on')} that "
        f"is {f('usd', 'cost', 'actual', 'batch')} (estimated before submission: "
        f"{f('usd', 'cost', 'estimated', 'usd_batch')})"
        + ("; no money was spent (offline backend)." if not f.get("cost", "money_spent") else "."),
        "",
        f"**Software.** emobatch {f('text', 'software', 'emobatch')}"
        + (
            f" (commit {f('text', 'software', 'emobatch_git_commit')}"
            f"{', with local changes' if f.get('software', 'emobatch_git_dirty') else ''})"
            if f.has("software", "emobatch_git_commit")
            else ""
        )
        + f", Snakemake {f('text', 'software', 'snakemake')}, google-genai "
        f"{f('text', 'software', 'google-genai')}, Python {f('text', 'software', 'python')}.",
        "",
        f"{TODO_EN} who the human coders were, how they were trained, and how disagreements "
        "were resolved]",
        "",
        f"{TODO_EN} why this model and codebook were chosen, and how the prompt was piloted]",
        "",
    ]
    return out


def _agreement_en(f: Facts) -> str:
    if not f.has("validation"):
        return (
            f"**Agreement with human coders.** {TODO_EN} no validation report of this analysis "
            "exists yet; code the sheet and run the validation target, then draft again]"
        )
    v = ("validation", "fields", "primary_emotion")
    text = (
        f"**Agreement with human coders.** {f('int', 'validation', 'items')} posts were coded "
        f"by {f('int', 'validation', 'coders_count')} coders. For the primary emotion, "
        f"Krippendorff's alpha among the coders was {f.ci(*v, 'alpha_humans')} and, with the "
        f"model as one more coder, {f.ci(*v, 'alpha_with_model')}; against the coders' "
        f"majority, Cohen's kappa was {f.ci(*v, 'kappa_vs_majority')} and macro-F1 "
        f"{f.ci(*v, 'macro_f1')} ({f('pct', 'validation', 'bootstrap', 'level')} percentile "
        f"bootstrap intervals, {f('int', 'validation', 'bootstrap', 'draws')} draws). The gate "
        f"set before the run ({f('text', 'validation', 'thresholds', 'metric')}, "
        f"{f('text', 'validation', 'thresholds', 'bound')}, at least "
        f"{f('float3', 'validation', 'thresholds', 'threshold')}) was "
        + ("passed." if f.get("validation", "gate", "passed") else "not passed.")
    )
    if f.get("validation", "simulated_coders"):
        text += f" {TODO_EN} these coders are SIMULATED (the offline demonstration); replace them]"
    return text


def korean(f: Facts) -> list[str]:
    first, last = _period(f)
    when = f"{first}에" if first == last else f"{first}부터 {last}까지"
    out = [
        f"**코딩.** 각 게시물의 주된 감정, 감정별 강도, 감성을 {_engine_ko(f)}로 "
        f"{f('text', 'delivery')} 방식으로 코딩하였다. 코드북은 "
        f"{f('text', 'codebook', 'name')}(버전 {f('text', 'codebook', 'version')})이며, 그 "
        "라벨과 정의, 지시문이 시스템 프롬프트가 된다. 전문은 출처 기록(provenance)에 있다. 요청한 "
        f"모델은 {f('text', 'model', 'requested')}이고, API가 보고한 응답 모델은 "
        f"{_answered(f, '행')}이며, 요청과 다른 모델이 응답한 행은 "
        f"{f('int', 'model', 'routed_rows')}개이다. 전송한 생성 설정: "
        f"`{f('json', 'generation', 'sent')}`. 배치 작업 {f('int', 'batch', 'jobs_count')}개가 "
        f"{when} 실행되었다.",
        "",
    ]
    sel = (
        f"**표본.** `{f('text', 'input', 'path')}`에서 읽은 게시물 "
        f"{f('int', 'selection', 'rows_read')}개 중 {f('int', 'selection', 'dropped_total')}개를 "
        f"필터에서 제외하여({_dropped(f) or '없음'}) 모집단은 "
        f"{f('int', 'selection', 'population')}개였다. "
    )
    if f.has("selection", "cochran"):
        sel += (
            "표본 크기는 유한 모집단 보정을 적용한 Cochran 공식(신뢰수준 "
            f"{f('pct', 'selection', 'cochran', 'confidence')}, 허용 오차 "
            f"{f('pct', 'selection', 'cochran', 'margin_of_error')}, 기대 비율 "
            f"{f('pct', 'selection', 'cochran', 'proportion')}, 최소 "
            f"{f('int', 'selection', 'cochran', 'min_size')})에 따라 "
            f"{f('int', 'selection', 'sample_size')}개이며, 무작위로 추출하였다(시드 "
            f"{f('plain', 'selection', 'seed')}). "
        )
    else:
        sel += f"게시물 {f('int', 'selection', 'sample_size')}개를 선택하였다. "
    sel += (
        f"게시물 {f('int', 'dataset', 'rows')}개 중 {f('int', 'dataset', 'ok')}개가 코딩되었고 "
        f"{f('int', 'dataset', 'failed')}개는 코딩되지 않았다."
    )
    out += [sel, "", _agreement_ko(f), ""]
    out += [
        f"**비용.** 입력 토큰 {f('int', 'tokens', 'prompt')}개와 출력 토큰 "
        f"{f('int', 'tokens', 'output')}개(그중 사고 토큰 {f('int', 'tokens', 'thoughts')}개)를 "
        f"사용하였으며, {f('text', 'cost', 'prices', 'taken_on')} 기준 배치 가격으로 "
        f"{f('usd', 'cost', 'actual', 'batch')}이다(제출 전 추정 "
        f"{f('usd', 'cost', 'estimated', 'usd_batch')})"
        + (
            ". 오프라인 백엔드이므로 실제 비용은 들지 않았다."
            if not f.get("cost", "money_spent")
            else "."
        ),
        "",
        f"**소프트웨어.** emobatch {f('text', 'software', 'emobatch')}"
        + (
            f"(커밋 {f('text', 'software', 'emobatch_git_commit')}"
            f"{', 로컬 변경 있음' if f.get('software', 'emobatch_git_dirty') else ''})"
            if f.has("software", "emobatch_git_commit")
            else ""
        )
        + f", Snakemake {f('text', 'software', 'snakemake')}, google-genai "
        f"{f('text', 'software', 'google-genai')}, Python {f('text', 'software', 'python')}.",
        "",
        f"{TODO_KO} 인간 코더의 구성과 훈련 방법, 불일치 해소 방법]",
        "",
        f"{TODO_KO} 이 모델과 코드북을 택한 이유와 프롬프트 사전 검토 과정]",
        "",
    ]
    return out


def _agreement_ko(f: Facts) -> str:
    if not f.has("validation"):
        return (
            f"**인간 코더와의 일치도.** {TODO_KO} 이 분석의 검증 보고서가 아직 없다. 코딩 시트를 "
            "코딩하고 검증 대상을 실행한 뒤 다시 작성할 것]"
        )
    v = ("validation", "fields", "primary_emotion")
    text = (
        f"**인간 코더와의 일치도.** 코더 {f('int', 'validation', 'coders_count')}명이 게시물 "
        f"{f('int', 'validation', 'items')}개를 코딩하였다. 주된 감정에 대한 코더 간 "
        f"Krippendorff 알파는 {f.ci(*v, 'alpha_humans')}, 모델을 코더 한 명으로 추가하면 "
        f"{f.ci(*v, 'alpha_with_model')}였다. 코더 다수결 대비 Cohen 카파는 "
        f"{f.ci(*v, 'kappa_vs_majority')}, macro-F1은 {f.ci(*v, 'macro_f1')}이다"
        f"({f('pct', 'validation', 'bootstrap', 'level')} 백분위 부트스트랩 구간, "
        f"{f('int', 'validation', 'bootstrap', 'draws')}회). 실행 전에 정한 기준"
        f"({f('text', 'validation', 'thresholds', 'metric')}, "
        f"{f('text', 'validation', 'thresholds', 'bound')}, "
        f"{f('float3', 'validation', 'thresholds', 'threshold')} 이상)을 "
        + ("통과하였다." if f.get("validation", "gate", "passed") else "통과하지 못하였다.")
    )
    if f.get("validation", "simulated_coders"):
        text += f" {TODO_KO} 이 코더들은 시뮬레이션(오프라인 시연)이므로 실제 코더로 바꿀 것]"
    return text
