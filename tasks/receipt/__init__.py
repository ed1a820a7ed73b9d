"""Receipt: archive the original, unwrap, classify, unpack attachments, register the invoice."""
