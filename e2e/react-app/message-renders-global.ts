/** The page global where the React test app counts each message row's renders, by message id (e2e/react-app/main.ts). */
export const MESSAGE_RENDERS_GLOBAL = '__lifelineMessageRenders'
