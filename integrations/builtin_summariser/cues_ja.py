"""Japanese rule tables for the built-in summariser.

Japanese puts the commitment after the verb phrase (「資料をお送りします」), so each cue's
``action`` group is the clause that ends in the committing verb, and a clause may run on
through te-form links (「確認して、ご連絡します」, 「ご記入のうえ、ご返送ください」).
A clause is read from the last comma that is not such a link, so
「はい、承知しました、明日お送りします」 gives 「明日お送りします」.
"""

from __future__ import annotations

import re

from agent.core.domain import DealSignal, Resolution, Speaker
from integrations.builtin_summariser.due_dates_ja import resolve_due_date_ja
from integrations.builtin_summariser.rules import (
    CommitmentCue,
    ConversationCues,
    IssueCues,
    LanguageRules,
    Party,
    Phrase,
    Phrasing,
    compile_all,
)
from integrations.builtin_summariser.tokens_ja import is_hiragana, make_tokeniser

# Nouns that take する, and verb stems that take the humble お…する.
_SURU = (
    "確認|連絡|電話|送付|発送|手配|返金|交換|対応|調査|報告|共有|案内|予約|登録|変更|修正|設定"
    "|返信|送信|用意|準備|作成|提出|キャンセル|解約|申請|依頼|相談|検討|修理|訪問|再送|再発行"
    "|発行|入金|振込|記入|署名|返送|返却|アップロード|インストール|再起動|エスカレーション"
    "|引き継ぎ|引継ぎ|メール|フォロー|チェック|手続き|処理|見積もり|見積り|提案|反映|解除"
    "|停止|再開|延長|お知らせ|折り返し|ご案内"
)
_HUMBLE = "送り|調べ|届け|戻し|知らせ|伝え|預かり|返し|書き|渡し|答え|かけ直し|掛け直し"
_GODAN = (
    "送ります|送っておきます|調べます|調べておきます|折り返します|届けます|戻します|直します"
    "|伝えます|返します|書きます|かけ直します|掛け直します|入れておきます|やっておきます"
    "|出します|払います|支払います|振り込みます|申し込みます|見ておきます"
)
_VERB = (
    rf"(?:(?:ご|お)?(?:{_SURU})を?(?:(?:いた|致)?し(?:ます|ておきます)|させて(?:いただ|頂)きます"
    rf"|差し上げます|申し上げます)|お(?:{_HUMBLE})(?:いた|致)?します|{_GODAN})"
)
_TE = r"(?:[しっいえけせめれべきねげじち]て|[んい]で)"
_LEAD = (
    r"(?:(?:では|それでは|じゃあ|はい|ええ|えー|あの|まず|念のため|こちらで|こちらから|私から"
    r"|私の方で|弊社から|当社から|わかりました|承知しました|かしこまりました)[、\s]*)*"
)
_CLAUSE = rf"(?:[^、。!?]*?(?:{_TE}|の(?:うえ|上))、)*[^、。!?]*?"
_WAITING = r"(?![^。!?]*(?:お待ち|少々|しばらく))"
_REQUEST_END = (
    r"(?:ください|下さい|(?:いただ|頂)けますでしょうか|(?:いただ|頂)けますか|もらえますか"
    r"|くださいますか|(?:いただ|頂)きたいです|をお願い(?:いた)?します|お願い(?:いた)?します)"
)


# Requests to send, fill in, sign or pay are errands; other requests ("could you restart the
# router?") are usually done during the call, so they count only with a due date (strict).
_ERRAND_NOUNS = (
    "送付|返送|返信|記入|署名|連絡|電話|提出|アップロード|振込|入金|支払い|申請|登録|送信|手続き"
)
_ERRAND_TE = (
    "送って|書いて|払って|支払って|振り込んで|申し込んで|送り返して|返して|出して|"
    rf"(?:{_ERRAND_NOUNS})して"
)


def _cue(pattern: str, owner: Party = Party.SPEAKER, strict: bool = False) -> CommitmentCue:
    return CommitmentCue(re.compile(pattern), owner, strict)


_COMMITMENTS = (
    _cue(rf"{_LEAD}(?P<action>{_CLAUSE}{_VERB})(?!か|\?|ね\?){_WAITING}"),
    _cue(
        rf"{_LEAD}(?P<action>{_CLAUSE}(?:{_ERRAND_TE}|(?:ご|お)(?:{_ERRAND_NOUNS})を?)"
        rf"{_REQUEST_END}){_WAITING}",
        Party.LISTENER,
    ),
    _cue(
        rf"{_LEAD}(?P<action>{_CLAUSE}(?:{_TE}|(?:ご|お)(?:{_SURU}|{_HUMBLE})を?){_REQUEST_END})",
        Party.LISTENER,
        strict=True,
    ),
)


def rewrite_action(text: str) -> str:
    """A request's polite ending becomes 「ください」; a sentence-final ね/よ is dropped."""
    text = re.sub(r"[ねよ]+$", "", text)
    text = re.sub(r"をお願い(?:いた)?します$", "ください", text)
    return re.sub(rf"(?<!を){_REQUEST_END}$", "ください", text)


def _whole(*clauses: str) -> tuple[Phrase, ...]:
    # Token lists of a Japanese clause hold one whitespace-free run; a bare verb is its only run.
    return tuple((clause,) for clause in clauses)


_SENTIMENT = {
    "助かりました": 1.0, "助かります": 1.0, "ありがとうございます": 0.5,
    "ありがとうございました": 0.5, "ありがとう": 0.5, "良かった": 1.0, "よかった": 1.0,
    "嬉しい": 1.0, "うれしい": 1.0,
    "安心": 1.0, "満足": 1.0, "完璧": 1.0, "素晴らしい": 1.0, "丁寧": 0.5, "感謝": 1.0,
    "困って": -1.0, "困る": -1.0, "困ります": -1.0, "不満": -1.0, "不便": -0.5, "最悪": -1.0,
    "ひどい": -1.0, "酷い": -1.0, "イライラ": -1.0, "がっかり": -1.0, "残念": -0.5,
    "不安": -0.5, "心配": -0.5, "解約": -0.5, "迷惑": -1.0, "納得できません": -1.0,
    "納得できない": -1.0, "良くない": -0.5, "よくない": -0.5, "怒って": -1.0, "腹が立": -1.0,
    "楽しみ": 1.0, "ワクワク": 1.0, "わくわく": 1.0,
}  # fmt: skip

# Feelings said in more than one word; the weights add to the words' own (解約 is -0.5).
_SENTIMENT_PHRASES = tuple(
    (re.compile(pattern), weight)
    for pattern, weight in (
        (
            r"まだ(?:直|治|つなが|繋が|映|使え|動)"
            r"(?:りません|らない|っていない|ってない|ません|かない)",
            -1.0,
        ),
        (r"解約(?:したい|します|させて)|他社に(?:乗り換え|替え|変え)", -1.0),
        (r"(?:つなが|繋が|直|治|映)りました", 0.5),
    )
)

_STOPWORDS = frozenset(
    (
        "今日", "明日", "本日", "様", "方", "件", "私", "弊社", "当社", "お客様", "今回", "少々",
        "時間", "場合", "状態", "担当", "確認", "連絡", "お電話", "電話", "失礼", "何", "他",
        "前", "後", "毎日", "今", "中", "上", "下", "以内", "日", "月", "年", "曜日", "月曜日",
        "火曜日", "水曜日", "木曜日", "金曜日", "土曜日", "日曜日", "来週", "今週", "午前",
        "午後", "本当", "一度", "少し", "大丈夫", "今夜", "今晩", "本日中", "今日中", "明後日",
        "再来週", "今月", "来月", "月末", "週末", "営業日",
    )
)  # fmt: skip

_RESOLUTION_CUES = {
    Resolution.ESCALATED: compile_all(
        r"上の者|上席|上長|責任者|専門(?:の)?(?:部署|チーム|担当)|担当部署|技術部門|二次対応",
        r"エスカレーション|エスカレ|(?:引き継ぎ|引継ぎ|おつなぎ|お繋ぎ)(?:いた|致)?します|転送",
    ),
    Resolution.RESOLVED: compile_all(
        r"解決しました|解決です|直りました|治りました|(?:つなが|繋が)りました|復旧しました",
        r"使えるようになりました|できるようになりました|(?:正常に|問題なく)(?:動|使|つなが|繋が|表示)",
        r"元に戻りました|大丈夫になりました|(?:ログイン|接続|印刷|再生|送信)できました|届きました",
    ),
    Resolution.FOLLOW_UP: compile_all(
        r"折り返し|改めて(?:ご)?連絡|後ほど(?:ご)?連絡|追って(?:ご)?連絡|確認して(?:ご)?連絡",
        r"(?:ご)?連絡(?:いた|致)?します|ご報告(?:いた|致)?します",
    ),
    Resolution.UNRESOLVED: compile_all(
        r"まだ(?:つながら|繋がら|直ら|使え|動か|届か|解決し)|直りません|直らない|解決しません",
        r"解決していません|変わりません|変わらない|(?:つながら|繋がら)ないまま|だめでした|ダメでした",
    ),
}

_PHRASING = Phrasing(
    no_speech="通話に音声が検出されませんでした。",
    problem="お客様の申告: {problem}。",
    topics_only="通話の話題: {topics}。",
    no_problem="明確な問題の申告は検出されませんでした。",
    resolution_with_evidence="解決状況: {label}（「{evidence}」）。",
    resolution_plain="解決状況: {label}。",
    no_actions="合意されたアクションはありません。",
    one_action="アクションが1件合意されました。",
    many_actions="アクションが{count}件合意されました。",
    list_and="",
    list_separator="、",
    sentence_separator="",
    resolution_labels={
        Resolution.RESOLVED: "解決済み",
        Resolution.UNRESOLVED: "未解決",
        Resolution.ESCALATED: "エスカレーション",
        Resolution.FOLLOW_UP: "要フォローアップ",
    },
    party_labels={Speaker.AGENT: "担当者", Speaker.CUSTOMER: "お客様"},
    cause="原因: {text}。",
    action_taken="対応: {text}。",
    another_problem="ほかの申告: {text}。",
    deal_with_evidence="商談: {label}（「{evidence}」）。",
    deal_plain="商談: {label}。",
    deal_labels={
        DealSignal.POSITIVE: "前向き",
        DealSignal.NEUTRAL: "様子見",
        DealSignal.AT_RISK: "失注リスク",
    },
)

_ISSUES = IssueCues(
    cause=re.compile(r"原因|ためです|せいで|古い|不具合があるよう|故障しているよう|期限切れ"),
    action=re.compile(
        r"(?:更新|送信|リセット|設定|変更|交換|返金|解除|修正|再起動|適用|手配)(?:いた|致)?しました"
        r"|(?:更新|送信|リセット|設定|変更|交換|返金|解除|修正|適用)(?:して|させて)(?:おります|います)"
    ),
    another=re.compile(r"もう一つ|もうひとつ|それと|あと、|ほかにも|他にも|別件"),
    greeting_lead=re.compile(r"^(?:もしもし|こんにちは|お世話になっております|はい)[、。\s]*"),
    lead_filler=re.compile(r"^(?:でも|それで|ただ|あの|えー)[、\s]*"),
)

_CONVERSATION = ConversationCues(
    sales=re.compile(
        r"見積|料金プラン|価格|値引|割引|契約|導入|提案書|ライセンス|ご購入|購入|デモ|トライアル"
        r"|商談|予算|席数|アカウント数|更新のご案内"
    ),
    support=re.compile(
        r"直り|直っ|修理|復旧|障害|解決|再起動|パスワード|ログインでき|知りたい|教えてください"
        r"|問い合わせ|お伺いしたい|たいのですが|知りたく"
    ),
    objections=re.compile(r"高い|高すぎ|予算|検討させて|必要ない|不要|他社|すでに使って|不安"),
    deal_signals={
        DealSignal.AT_RISK: re.compile(r"見送|他社に|やめておき|結構です|解約|興味がない|白紙"),
        DealSignal.POSITIVE: re.compile(
            r"ぜひ|進めたい|進めましょう|契約します|お願いします|前向きに|導入したい|送ってください"
        ),
    },
    competitor=re.compile(
        r"(?P<name>[A-Za-z][\w&-]+)(?:さん)?(?:を使って|を利用して|に乗り換え|の方が|から乗り換え)"
    ),
)

_NEVER = re.compile(r"(?!)")

JAPANESE = LanguageRules(
    language="ja",
    model="rules-ja-1",
    tokenise=make_tokeniser(_SENTIMENT),
    resolve_due_date=resolve_due_date_ja,
    commitment_cues=_COMMITMENTS,
    fillers=(),
    non_actions=_whole(
        "確認いたします",
        "確認致します",
        "確認します",
        "お調べします",
        "確認させていただきます",
        "対応いたします",
        "対応します",
        "お調べいたします",
        "ご案内いたします",
        "ご案内します",
    ),
    errands=(),
    in_call=re.compile(r"ただいま|只今|少々|しばらく|お待ち|このまま|教えて|聞かせて"),
    hypothetical=re.compile(r"もし|場合|なら|たら|れば"),
    polite_conditions=re.compile(r"(?:もし)?よろしければ|差し支えなければ|よろしかったら"),
    clause_breaks=_NEVER,
    tag_question=_NEVER,
    pronoun_swaps={},
    resolution_cues=_RESOLUTION_CUES,
    negators=frozenset(),
    negator_suffixes=(),
    hedges=frozenset(),
    negation_window=0,
    problem_cues=re.compile(
        r"(?:つなが|繋が)ら(?:ない|なく)|(?:つなが|繋が)りません|使えない|使えません|できない|できません"
        r"|エラー|不具合|故障|壊れ|届かない|届いていない|届きません|問題|困って|切れ|途切れ|二重"
        r"|動かない|動きません|遅い|落ちる|止まる|止まって|間違"
    ),
    greetings=re.compile(
        r"お電話ありがとうございます|お待たせ(?:いた)?しました|と申します|失礼(?:いた)?します"
        r"|他に何か|ほかに何か|ございますでしょうか|よろしくお願い|ありがとうございました"
        r"|こんにちは|もしもし|お世話になっております"
    ),
    stopwords=_STOPWORDS,
    sentiment=_SENTIMENT,
    sentiment_phrases=_SENTIMENT_PHRASES,
    phrasing=_PHRASING,
    conversation=_CONVERSATION,
    issue_cues=_ISSUES,
    urgent=re.compile(r"(?<!お)急ぎ|至急|大至急|すぐに|早急|緊急|最優先"),
    relaxed=re.compile(r"お手すき|お手隙|急ぎません|急ぎではありません|いつでも|ご都合のよい"),
    min_word_length=2,
    content_token=lambda token: not is_hiragana(token),
    rewrite_action=rewrite_action,
    conditional_clause=re.compile(r"もし|場合"),
)
