import { describe, expect, it } from 'vitest';
import { normalizeHeaders } from '../../src/core/headers.js';

const namesOf = (headers: string[]) => normalizeHeaders(headers).map((h) => h.name);

describe('normalizeHeaders', () => {
  it('turns header names into snake_case identifiers and keeps the originals', () => {
    // Prepare
    const headers = ['Order ID', 'customerName', 'Total Amount ($)', 'Café'];

    // Act
    const mapping = normalizeHeaders(headers);

    // Assess
    expect(mapping).toEqual([
      { original: 'Order ID', name: 'order_id' },
      { original: 'customerName', name: 'customer_name' },
      { original: 'Total Amount ($)', name: 'total_amount' },
      { original: 'Café', name: 'cafe' },
    ]);
  });

  it('numbers repeated names _2, _3 in order of appearance', () => {
    // Act
    const names = namesOf(['id', 'Order ID', 'order_id', 'order id']);

    // Assess
    expect(names).toEqual(['id', 'order_id', 'order_id_2', 'order_id_3']);
  });

  it('does not give a repeat a suffix that another header already uses', () => {
    // Act
    const names = namesOf(['a', 'a', 'a_2']);

    // Assess
    expect(names).toEqual(['a', 'a_3', 'a_2']);
    expect(new Set(names).size).toBe(names.length);
  });

  it('names empty headers column_<n> after their 1-based position', () => {
    // Act
    const names = namesOf(['', 'name', '  ', '$$$']);

    // Assess
    expect(names).toEqual(['column_1', 'name', 'column_3', 'column_4']);
  });

  it('keeps an empty header unique when a column is already named like its placeholder', () => {
    // Act
    const names = namesOf(['column_2', '']);

    // Assess
    expect(names).toEqual(['column_2', 'column_2_2']);
  });

  it('keeps SQL keywords as names, since every identifier is quoted', () => {
    // Act
    const names = namesOf(['Select', 'from', 'GROUP']);

    // Assess
    expect(names).toEqual(['select', 'from', 'group']);
  });

  it('keeps names that start with a digit', () => {
    // Act
    const names = namesOf(['2024 total', '1st']);

    // Assess
    expect(names).toEqual(['2024_total', '1st']);
  });

  it('returns nothing for no headers', () => {
    expect(normalizeHeaders([])).toEqual([]);
  });
});
