"""English rule tables for the built-in summariser."""

from __future__ import annotations

import re

from agent.core.domain import DealSignal, Resolution, Speaker
from integrations.builtin_summariser.due_dates import resolve_due_date
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
from integrations.builtin_summariser.text import word_tokens


def _cue(pattern: str, owner: Party = Party.SPEAKER, strict: bool = False) -> CommitmentCue:
    return CommitmentCue(re.compile(pattern, re.IGNORECASE), owner, strict)


def _word_set(text: str) -> frozenset[str]:
    return frozenset(text.split())


def _phrases(*texts: str) -> tuple[Phrase, ...]:
    return tuple(tuple(text.split()) for text in texts)


_COMMITMENTS = (
    _cue(r"\b(?:i|we)'ll\b"),
    _cue(r"\b(?:i|we) (?:will|shall)\b"),
    _cue(r"\b(?:i'm|i am|we're|we are) (?:going to|gonna)\b"),
    # A third party's promise ("someone will get back to you") still binds the speaker's side.
    _cue(r"\bwill (?=(?:get back to|call|contact|email) you\b)"),
    _cue(r"\blet me\b(?! know)", strict=True),
    _cue(r"\b(?:i|we) can\b", strict=True),
    _cue(r"\bplease\b", Party.LISTENER, strict=True),
    _cue(r"\b(?:can|could|would) you(?: please)?\b", Party.LISTENER, strict=True),
    _cue(r"\byou(?:'ll| will)?(?: also)? need to\b", Party.LISTENER, strict=True),
    _cue(r"\b(?=let me know\b)", Party.LISTENER),
)

_FILLERS = _phrases(
    "just", "also", "definitely", "certainly", "personally", "quickly", "actually", "then",
    "absolutely", "gladly", "happily", "go ahead and", "have to", "need to", "make sure to",
    "be sure to", "try to", "try and", "please",
)  # fmt: skip

_NON_ACTIONS = _phrases(
    "be", "wait", "hold", "need", "put you on hold", "let you go", "pull up", "ask", "read",
    "repeat", "explain", "walk you", "see", "bear", "take a look", "have a look", "look",
    "transfer you", "connect you", "not", "never", "do that", "do it", "do so", "do this",
    "talk to you", "speak to you", "leave it", "stop", "take that", "take it", "think", "guess",
    "keep that in mind", "help you", "help", "tell you", "admit", "say", "bet", "hear",
)  # fmt: skip

_ERRANDS = _phrases(
    "send", "email", "e-mail", "mail", "post", "ship", "forward", "upload", "return", "sign",
    "fill", "complete", "submit", "reply", "pay", "contact", "call", "ring", "phone", "book",
    "schedule", "arrange", "reschedule", "text", "message", "follow up", "get back", "let",
    "refund", "credit", "cancel", "activate", "process", "raise", "log", "open a ticket",
    "open a case", "escalate", "dispatch", "share", "update", "install", "order", "replace",
    "keep an eye", "monitor",
)  # fmt: skip

_PRONOUN_SWAPS = {
    "you are": "{listener} is", "you're": "{listener} is", "you were": "{listener} was",
    "you don't": "{listener} doesn't", "you haven't": "{listener} hasn't",
    "i don't": "{speaker} doesn't", "i haven't": "{speaker} hasn't",
    "you have": "{listener} has", "you've": "{listener} has", "you'll": "{listener} will",
    "you'd": "{listener} would", "yourself": "{listener}", "yours": "{listener}'s",
    "your": "{listener}'s", "you": "{listener}",
    "i am": "{speaker} is", "i'm": "{speaker} is", "i was": "{speaker} was",
    "i have": "{speaker} has", "i've": "{speaker} has", "i'll": "{speaker} will",
    "i'd": "{speaker} would", "myself": "{speaker}", "mine": "{speaker}'s",
    "my": "{speaker}'s", "me": "{speaker}", "i": "{speaker}",
}  # fmt: skip

_RESOLUTION_CUES = {
    Resolution.ESCALATED: compile_all(
        r"\bescalat\w*",
        r"\btransfer(?:ring)? you\b",
        r"\b(?:second|2nd)[- ](?:level|line)\b",
        r"\bsupervisor\b",
        r"\bspecialist team\b",
    ),
    Resolution.RESOLVED: compile_all(
        r"\b(?:that|this|it) (?:fixed|solved|sorted) it\b",
        r"\b(?:it|that|everything)(?:'s| is) (?:fixed|sorted|working again)\b",
        r"\b(?:it )?works (?:now|again)\b",
        r"\bworking (?:now|again)\b",
        r"\b(?:re)?solved\b",
        r"\bstable now\b",
        r"\ball set\b",
        r"\b(?:sorts|sorted) (?:it|that|everything) out\b",
        r"\banswers my question\b",
    ),
    Resolution.FOLLOW_UP: compile_all(
        r"\bfollow(?:-| )?up\b",
        r"\bget back to you\b",
        r"\bcall you back\b",
        r"\b(?:will|i'll|we'll) check and\b",
        r"\bbe in touch\b",
        r"\breach out to you\b",
    ),
    Resolution.UNRESOLVED: compile_all(
        r"\bstill (?:not|isn't|doesn't|won't|can't|dropping|broken|failing|the same)\b",
        r"\b(?:didn't|did not|doesn't|does not) (?:fix|solve|help|work)\b",
        r"\bnot (?:fixed|working|resolved|solved)\b",
        r"\bno (?:luck|change|difference)\b",
    ),
}

_STOPWORDS = _word_set(
    """a about above after again against all also am an and any are aren't as at be because been
    before being below between both but by can can't cannot could couldn't did didn't do does
    doesn't doing don't down during each else ever few for from further get gets got had hadn't
    has hasn't have haven't having he he'd he'll he's her here here's hers herself him himself
    his how how's i i'd i'll i'm i've if in into is isn't it it's its itself just let let's
    like me more most much mustn't my myself no nor not now of off on once only or other ought
    our ours ourselves out over own same shan't she she'd she'll she's should shouldn't so some
    such than that that's the their theirs them themselves then there there's these they they'd
    they'll they're they've this those through to too under until up us very was wasn't we we'd
    we'll we're we've were weren't what what's when when's where where's which while who who's
    whom why why's will with won't would wouldn't you you'd you'll you're you've your yours
    yourself yourselves okay ok yeah yes yep um uh oh ah hmm right well sure really actually
    maybe going gonna want need know think see look one two thing things bit lot way sorry
    please thanks thank hi hello hey bye goodbye great good alright customer agent said say
    says tell told make made take call calling today tonight tomorrow also still again back
    even quite something anything everything nothing every around usually already soon send
    sent talk speak put set give gave find found help try tried sound sounds looking looks
    looked hear heard come came keep kept ask asked"""
)

_SENTIMENT = {
    "great": 1.0, "perfect": 1.0, "excellent": 1.0, "brilliant": 1.0, "awesome": 1.0,
    "fantastic": 1.0, "wonderful": 1.0, "amazing": 1.0, "happy": 1.0, "glad": 1.0,
    "pleased": 1.0, "relieved": 1.0, "love": 1.0, "appreciate": 1.0, "helpful": 1.0,
    "good": 0.5, "thanks": 0.5, "thank": 0.5, "fine": 0.25, "nice": 0.5, "lovely": 1.0,
    "frustrated": -1.0, "frustrating": -1.0, "annoyed": -1.0, "annoying": -1.0, "angry": -1.0,
    "upset": -1.0, "terrible": -1.0, "awful": -1.0, "horrible": -1.0, "useless": -1.0,
    "ridiculous": -1.0, "disappointed": -1.0, "disappointing": -1.0, "unacceptable": -1.0,
    "worst": -1.0, "bad": -0.5, "poor": -0.5, "furious": -1.0, "fed": -0.5, "sick": -0.5,
    "complaint": -0.5, "cancel": -0.5, "cancelling": -0.5, "canceling": -0.5, "unhappy": -1.0,
    "worried": -0.5, "confused": -0.5, "hate": -1.0, "waste": -1.0, "nightmare": -1.0,
    "exciting": 1.0, "excited": 1.0, "thrilled": 1.0, "delighted": 1.0, "relief": 1.0,
    "cheers": 0.5,
}  # fmt: skip

# Feelings said in more than one word; the weights add to the words' own ("cancel" is -0.5).
_SENTIMENT_PHRASES = tuple(
    (re.compile(pattern, re.IGNORECASE), weight)
    for pattern, weight in (
        (r"\bstill (?:not|isn't|doesn't|won't|broken|down|dropping|failing)\b", -1.0),
        (r"\b(?:cancel|close|end) my (?:account|contract|subscription|service)\b", -0.5),
        (r"\b(?:want|going) to (?:cancel|leave)\b|\bother providers\b", -1.0),
        (r"\bthanks anyway\b|\bfed up\b", -1.0),
        (r"\bcan't wait\b|\b(?:works|working) (?:now|again|perfectly)\b", 1.0),
    )
)

_PHRASING = Phrasing(
    no_speech="No speech was detected in this call.",
    problem="The customer reported: {problem}.",
    topics_only="The call covered {topics}.",
    no_problem="No clear problem statement was detected.",
    resolution_with_evidence='Resolution: {label} ("{evidence}").',
    resolution_plain="Resolution: {label}.",
    no_actions="No action items were agreed.",
    one_action="1 action item agreed.",
    many_actions="{count} action items agreed.",
    list_and="and",
    resolution_labels={
        Resolution.RESOLVED: "resolved",
        Resolution.UNRESOLVED: "unresolved",
        Resolution.ESCALATED: "escalated",
        Resolution.FOLLOW_UP: "follow-up needed",
    },
    party_labels={Speaker.AGENT: "the agent", Speaker.CUSTOMER: "the customer"},
    cause="Cause: {text}.",
    action_taken="Done: {text}.",
    another_problem="Also reported: {text}.",
    deal_with_evidence='Deal: {label} ("{evidence}").',
    deal_plain="Deal: {label}.",
    deal_labels={
        DealSignal.POSITIVE: "positive",
        DealSignal.NEUTRAL: "neutral",
        DealSignal.AT_RISK: "at risk",
    },
)

_ISSUES = IssueCues(
    cause=re.compile(
        r"\b(?:because|caused by|due to|the (?:cause|reason)|known (?:problem|issue|fault)"
        r"|is known to|(?:running|has|on|uses) (?:an? )?(?:old|outdated)|out of date|outdated"
        r"|faulty|defective|misconfigured|expired)\b",
        re.IGNORECASE,
    ),
    action=re.compile(
        r"\b(?:i am|i'm|we are|we're|i have|i've|we have|we've|i just|we just) (?:\w+ )?"
        r"(?:sending|pushing|resetting|restarting|updating|applying|installing|refreshing"
        r"|reconfiguring|replacing|crediting|refunding|unlocking|sent|pushed|reset|restarted"
        r"|updated|applied|installed|refreshed|reconfigured|replaced|credited|refunded|fixed"
        r"|changed|removed|cancelled|canceled|unlocked|corrected)\b",
        re.IGNORECASE,
    ),
    another=re.compile(
        r"\b(?:one more thing|another (?:problem|issue|thing|question)|something else"
        r"|separately|by the way|also)\b",
        re.IGNORECASE,
    ),
    greeting_lead=re.compile(
        r"^(?:hi|hello|hey|good (?:morning|afternoon|evening))(?: there)?(?: \w+)?\s*[,.!]\s*",
        re.IGNORECASE,
    ),
    lead_filler=re.compile(
        r"^(?:but|and|so|well|okay|ok|now|also|actually|yes|yeah)\b[,.!\s]*", re.IGNORECASE
    ),
)

_CONVERSATION = ConversationCues(
    sales=re.compile(
        r"\b(?:pric(?:e|es|ing)|quote[sd]?|discounts?|contracts?|proposals?|seats?|licen[cs]es?"
        r"|budget|demo|trial|subscription|renewal|upgrade|(?:team|premium|business|enterprise)"
        r" plan|per (?:seat|user|month)|purchase|buy|deal|sign(?:ed|ing)? up|onboarding)\b",
        re.IGNORECASE,
    ),
    support=re.compile(
        r"\b(?:fix(?:ed)?|troubleshoot\w*|outage|faulty|not (?:working|loading)|refund"
        r"|reset my|locked out|password|(?:ask|question) about|my (?:account|bill|invoice|contract"
        r"|order|subscription)|i need to|i(?:'d| would) like to (?:know|ask|check|report|change)"
        r"|wanted to (?:know|ask|check)|claim|opening hours)\b",
        re.IGNORECASE,
    ),
    objections=re.compile(
        r"\b(?:too (?:expensive|pricey|much|costly)|(?:can't|cannot) afford|budget|cheaper"
        r"|lower price|(?:not|isn't|aren't) sure|concern(?:ed|s)?|worried|don't (?:need|see)"
        r"|already (?:have|use|pay)|not interested|hard to justify)\b",
        re.IGNORECASE,
    ),
    deal_signals={
        DealSignal.AT_RISK: re.compile(
            r"\b(?:not interested|no longer interested|go(?:ing)? with (?:them|another|someone)"
            r"|(?:put|putting) (?:it|this|that) on hold|pass on (?:it|this)|not (?:buying|moving)"
            r"|(?:won't|will not) (?:buy|sign|renew)|cancel\w*)\b",
            re.IGNORECASE,
        ),
        DealSignal.POSITIVE: re.compile(
            r"\b(?:sounds? (?:good|great)|let's (?:go ahead|do it|move forward)|go ahead"
            r"|send (?:me|us|over) the (?:proposal|contract|quote|agreement)|ready to (?:sign|buy)"
            r"|we'll take it|move forward|very interested|happy to proceed)\b",
            re.IGNORECASE,
        ),
    },
    competitor=re.compile(
        r"(?i:\b(?:use|using|go(?:ing)? with|switch(?:ing)? (?:to|from)|than))\s+"
        r"(?P<name>[A-Z][\w&-]*[a-z][\w&-]*)"
        r"|(?P<name2>[A-Z][\w&-]*[a-z][\w&-]*) (?:offered|offers|quoted|charges|is cheaper)",
    ),
    not_names=frozenset({"the", "our", "your", "their", "this", "that", "monday", "friday"}),
)

ENGLISH = LanguageRules(
    language="en",
    model="rules-en-1",
    tokenise=word_tokens,
    resolve_due_date=resolve_due_date,
    commitment_cues=_COMMITMENTS,
    fillers=_FILLERS,
    non_actions=_NON_ACTIONS,
    errands=_ERRANDS,
    in_call=re.compile(r"\bnow\b", re.IGNORECASE),
    hypothetical=re.compile(r"\b(?:if|unless|maybe|perhaps|whether|might)\b", re.IGNORECASE),
    polite_conditions=re.compile(
        r"\bif (?:that's|that is|it's|it is) (?:ok|okay|alright|all right|fine)\b"
        r"|\bif (?:you like|you want|you prefer|you don't mind|that works)\b",
        re.IGNORECASE,
    ),
    clause_breaks=re.compile(
        r";|\s+(?:but|so|because)\s+|,\s*(?:and|so|because|which|since|while|although|though)\b"
        r"|,?\s+(?:and|or|then|and then)\s*$",
        re.IGNORECASE,
    ),
    tag_question=re.compile(
        r",?\s*(?:is that (?:ok|okay|alright|all right|fine)|does that (?:sound|work)[^,?]*"
        r"|would that (?:be|work)[^,?]*|okay|ok|alright|all right|right|yeah)\s*\?+$",
        re.IGNORECASE,
    ),
    pronoun_swaps=_PRONOUN_SWAPS,
    resolution_cues=_RESOLUTION_CUES,
    negators=frozenset({"not", "no", "never", "nothing", "cannot", "without"}),
    negator_suffixes=("n't",),
    hedges=_word_set(
        "if want wanted need hope hoping until unless whether thought supposed expect expected"
        " should mark marked consider"
    ),
    negation_window=4,
    problem_cues=re.compile(
        r"\b(?:problems?|issues?|not working|stopped \w+ing|(?:doesn't|does not|won't) work"
        r"|keeps?|can't|cannot|couldn't|unable|errors?|dropping|drops|dropped|broken|fail(?:s|ed|ing)?"
        r"|wrong|charged twice|overcharged|loose|(?:feels?|gets?|runs?|is) (?:warm|hot)"
        r"|overheat\w*|damaged|cracked|missing|faulty)\b",
        re.IGNORECASE,
    ),
    greetings=re.compile(
        r"\b(?:thank you|thanks) for (?:calling|contacting|holding|taking|your|waiting)\b"
        r"|^(?:hi|hello|hey|good (?:morning|afternoon|evening))\b|\bthis is \w+ (?:from|at|with)\b"
        r"|\bhow (?:can|may) i help\b|\b(?:anything|something) else\b"
        r"|\bhave a (?:good|great|lovely|nice|wonderful) \w+|\bmy name is\b|\bgood ?bye\b",
        re.IGNORECASE,
    ),
    stopwords=_STOPWORDS,
    sentiment=_SENTIMENT,
    sentiment_phrases=_SENTIMENT_PHRASES,
    phrasing=_PHRASING,
    conversation=_CONVERSATION,
    issue_cues=_ISSUES,
    conditional_clause=re.compile(r"\b(?:if|unless|in case)\b", re.IGNORECASE),
    urgent=re.compile(
        r"\b(?:urgent(?:ly)?|asap|as soon as possible|right away|immediately|top priority"
        r"|critical|emergency)\b",
        re.IGNORECASE,
    ),
    relaxed=re.compile(
        r"\b(?:no rush|no hurry|whenever|when you (?:get|have) (?:a|the) chance|at your convenience"
        r"|in your own time|not urgent|low priority)\b",
        re.IGNORECASE,
    ),
)
