// hf_tokenize.js VOCAB FILE [--lowercase]: the ids of each line of FILE under Hugging
// Face's own BERT tokenizer (the Rust `tokenizers` library behind BertTokenizerFast,
// through its Node.js binding), one line each, exactly like `ch07 --tokenize`.
// A peer check for `make bench COMPARE=1` (common/scripts/compare_tokenizer.sh), never
// needed to build or test the book.
const fs = require('fs');
const { Tokenizer, WordPiece, bertNormalizer, bertPreTokenizer } = require('tokenizers');

async function main() {
  const [vocabPath, filePath, flag] = process.argv.slice(2);
  const lowercase = flag === '--lowercase';
  const model = await WordPiece.fromFile(vocabPath, { unkToken: '[UNK]', continuingSubwordPrefix: '##', maxInputCharsPerWord: 100 });
  const tok = new Tokenizer(model);
  // BertTokenizerFast's pipeline: BertNormalizer, BertPreTokenizer, WordPiece
  tok.setNormalizer(bertNormalizer({ cleanText: true, handleChineseChars: true, stripAccents: lowercase, lowercase }));
  tok.setPreTokenizer(bertPreTokenizer());
  tok.addSpecialTokens(['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]']);
  const lines = fs.readFileSync(filePath, 'utf8').split('\n');
  if (lines.length && lines[lines.length - 1] === '') lines.pop();
  const t0 = process.hrtime.bigint();
  const out = [];
  const batch = 2000;
  for (let i = 0; i < lines.length; i += batch) {
    const encs = await tok.encodeBatch(lines.slice(i, i + batch), { addSpecialTokens: false });
    for (const e of encs) out.push(e.getIds().join(' '));
  }
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  fs.writeSync(1, out.join('\n') + (out.length ? '\n' : ''));
  const mb = fs.statSync(filePath).size / 1e6;
  process.stderr.write(`hf tokenizers: ${lines.length} lines, ${mb.toFixed(1)} MB, ${(mb / secs).toFixed(1)} MB/s (batches of ${batch}, all threads)\n`);
}
main().catch((e) => { console.error(e); process.exit(1); });
