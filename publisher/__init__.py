"""publisher: offline bilingual (Korean -> English) news briefs."""

__version__ = "0.1.0"
