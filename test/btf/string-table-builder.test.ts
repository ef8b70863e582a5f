/**
 * `StringTableBuilder` (the marshaller's string table): offsets, deduplication, UTF-8 for non-ASCII
 * strings, growth past its first buffer, split tables, and NUL rejected wherever it appears — each
 * string read back through `StringTable`.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isBtfError } from '../../src/btf/errors.js';
import { StringTable, StringTableBuilder } from '../../src/btf/string-table.js';

describe('StringTableBuilder', () => {
  const cases: [string, string[]][] = [
    ['ASCII', ['int', 'task_struct', 'pid', 'int', 'x']],
    ['non-ASCII', ['ü_utf8', 'a', '日本', 'ü_utf8', '😀', 'lone \ud800 surrogate']],
    ['long strings growing the buffer', Array.from({ length: 300 }, (_, i) => `${'n'.repeat(40)}${i}`)],
    ['a long non-ASCII string', [`${'é'.repeat(3000)}`, 'after']],
  ];
  for (const [what, strings] of cases) {
    it(`reads back every string with deduplicated offsets: ${what}`, () => {
      const b = new StringTableBuilder();
      const offsets = strings.map((s) => b.add(s));
      const table = new StringTable(b.finish());
      assert.equal(b.length, table.bytes.length);
      strings.forEach((s, i) => {
        assert.equal(table.get(offsets[i] as number), s.replace('\ud800', '\ufffd'), s);
        assert.equal(offsets[i], offsets[strings.indexOf(s)], `${s} deduplicated`);
      });
      assert.equal(new Set(offsets).size, new Set(strings).size);
    });
  }

  it('gives offset 0 to the empty string and shifts split tables by their start', () => {
    const base = new StringTableBuilder();
    base.add('base');
    const baseTable = new StringTable(base.finish());
    const split = new StringTableBuilder(baseTable.length, false);
    assert.equal(split.add(''), 0);
    const off = split.add('own');
    assert.equal(off, baseTable.length);
    assert.equal(new StringTable(split.finish(), baseTable).get(off), 'own');
  });

  for (const bad of ['a\0b', 'ü\0', '\0'])
    it(`rejects ${JSON.stringify(bad)} (holds a NUL)`, () => {
      const b = new StringTableBuilder();
      assert.throws(() => b.add(bad), isBtfError);
      assert.equal(b.length, 1, 'nothing written');
    });
});
