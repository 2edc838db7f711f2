"""The yearly needs survey (連携課題・ニーズ調査): forms, intake, status and reminders, and the tally.

Modules: taxonomy (the configurable categories), tally (pure counting), forms (the Excel form and the CSV format),
readers (pure: an answer file's bytes to its checked values), intake (import one file as one transaction), inbox (the
inbox folder), status (who answered, who gets a 督促), service (the API that the CLI and the flows call), synthetic
(reproducible answers for the whole-year simulation).
"""

from council.survey.tally import CategoryCount, SurveyTally, TallyAnswer, tally_answers

__all__ = ["CategoryCount", "SurveyTally", "TallyAnswer", "tally_answers"]
