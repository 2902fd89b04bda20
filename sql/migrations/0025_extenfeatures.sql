-- The extension features (feature codes, general call features, the feature map) are
-- settings sections (migration 0022): their rows.
INSERT INTO settings (section) VALUES ('extenfeatures'), ('generalfeatures'), ('featuremap')
    ON CONFLICT DO NOTHING;
