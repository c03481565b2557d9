import { errorText } from '../../domain/error-text';

describe('errorText', () => {
  it("gives an Error's message, and its name first when asked", () => {
    // Prepare
    const error = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });

    // Act
    const plain = errorText(error);
    const named = errorText(error, { withName: true });

    // Assess
    expect(plain).toBe('Rate exceeded');
    expect(named).toBe('ThrottlingException: Rate exceeded');
  });

  it('writes anything else thrown as String does', () => {
    // Act
    const texts = [errorText('boom'), errorText(42, { withName: true }), errorText(undefined)];

    // Assess
    expect(texts).toEqual(['boom', '42', 'undefined']);
  });
});
