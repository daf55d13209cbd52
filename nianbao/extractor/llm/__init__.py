"""The LLM backend: instructor + openai against any OpenAI-compatible endpoint, for the tables the rules
parser could not read. The verifier judges its answers exactly as it judges the parser's."""
