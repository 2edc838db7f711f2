"""Working teams (ワーキングチーム): formed for an adopted theme, their meetings in the working-group stage, and the
検討結果 they file, which the roundtable hears as the theme's 検討状況."""
