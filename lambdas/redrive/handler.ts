// Placeholder so the CDK app can bundle while the real handler is written; replaced by its owner.
export const handler = async (): Promise<void> => {
  throw new Error('handler not written yet');
};
