"""CloudWatch Logs filter patterns, one module per stage.

:mod:`.filter_pattern` compiles a pattern (:func:`~.filter_pattern.compile_filter_pattern`)
after reading which language it is written in; :mod:`._scanner` is the cursor every parser
uses (and the source of every syntax error); :mod:`.terms_parser`, :mod:`.json_parser` /
:mod:`.json_pattern` and :mod:`.space_delimited_parser` / :mod:`.space_delimited_pattern`
parse and compile each language. The public names are exported by
:mod:`constructs_obs.detections`.
"""
