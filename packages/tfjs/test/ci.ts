export const CI = process.env.CI === 'true' || process.env.CI === '1';
