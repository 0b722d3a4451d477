-- Keys are recomputed with the ICU-free fold (Resolution/UnicodeFold): precomposed and decomposed accents, fullwidth
-- forms and format characters now fold alike. The work is code (Migrator's step for 0090, KeyRecomputation), which
-- reports records whose keys now coincide instead of merging them.
SELECT 1;
