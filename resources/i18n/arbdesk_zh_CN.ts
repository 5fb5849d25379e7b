<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>AccountFormDialog</name>
    <message>
        <source>Edit account</source>
        <extracomment>Makes the vault usable, asking for its passphrase over the given widget; False if declined.</extracomment>
        <translation>编辑账户</translation>
    </message>
    <message>
        <source>Add account</source>
        <translation>添加账户</translation>
    </message>
    <message>
        <source>a unique name, e.g. binance-main</source>
        <translation>唯一名称，例如 binance-main</translation>
    </message>
    <message>
        <source>Paper trading (simulated fills, no keys)</source>
        <translation>模拟盘（模拟成交，无需密钥）</translation>
    </message>
    <message>
        <source>Sandbox / testnet</source>
        <translation>沙盒 / 测试网</translation>
    </message>
    <message>
        <source>Check the key with the exchange when saving</source>
        <translation>保存时向交易所验证密钥</translation>
    </message>
    <message>
        <source>Exchange:</source>
        <translation>交易所：</translation>
    </message>
    <message>
        <source>Label:</source>
        <translation>名称：</translation>
    </message>
    <message>
        <source>Market type:</source>
        <translation>市场类型：</translation>
    </message>
    <message>
        <source>Instruments:</source>
        <translation>交易品种：</translation>
    </message>
    <message>
        <source>API key:</source>
        <translation>API 密钥：</translation>
    </message>
    <message>
        <source>API secret:</source>
        <translation>API 私钥：</translation>
    </message>
    <message>
        <source>Passphrase:</source>
        <translation>口令：</translation>
    </message>
    <message>
        <source>Test key</source>
        <translation>测试密钥</translation>
    </message>
    <message>
        <source>Save</source>
        <translation>保存</translation>
    </message>
    <message>
        <source>Keys are never shown again after saving: only the key&apos;s last 4.</source>
        <translation>保存后密钥不再显示：仅显示密钥末 4 位。</translation>
    </message>
    <message>
        <source>{hint} (leave empty to keep the keys)</source>
        <translation>{hint}（留空则保留原密钥）</translation>
    </message>
    <message>
        <source>{venue}: no sandbox</source>
        <translation>{venue}：无沙盒环境</translation>
    </message>
    <message>
        <source>Enter the API key and its secret.</source>
        <translation>请输入 API 密钥及其私钥。</translation>
    </message>
    <message>
        <source>Enter both the API key and its secret.</source>
        <translation>请同时输入 API 密钥和私钥。</translation>
    </message>
    <message>
        <source>Enter the key to test (stored keys are tested from the accounts list).</source>
        <translation>请输入要测试的密钥（已保存的密钥请在账户列表中测试）。</translation>
    </message>
    <message>
        <source>Checking the key with the exchange…</source>
        <translation>正在向交易所验证密钥…</translation>
    </message>
    <message>
        <source>The test failed: {error}</source>
        <translation>测试失败：{error}</translation>
    </message>
    <message>
        <source>Checking the key and saving…</source>
        <translation>正在验证密钥并保存…</translation>
    </message>
    <message>
        <source>Saving…</source>
        <translation>正在保存…</translation>
    </message>
    <message>
        <source>The vault stays locked: nothing saved.</source>
        <translation>保险库仍处于锁定状态：未保存任何内容。</translation>
    </message>
    <message>
        <source>Saving failed: {error}</source>
        <translation>保存失败：{error}</translation>
    </message>
    <message>
        <source>Nothing was saved.</source>
        <translation>未保存任何内容。</translation>
    </message>
</context>
<context>
    <name>AccountsDialog</name>
    <message>
        <source>stored</source>
        <translation>已保存</translation>
    </message>
    <message>
        <source>vault locked</source>
        <translation>保险库已锁定</translation>
    </message>
    <message>
        <source>MISSING</source>
        <translation>缺失</translation>
    </message>
    <message>
        <source>unreadable</source>
        <translation>无法读取</translation>
    </message>
    <message>
        <source>yes</source>
        <translation>是</translation>
    </message>
    <message>
        <source>Exchange accounts</source>
        <translation>交易所账户</translation>
    </message>
    <message>
        <source>Add…</source>
        <translation>添加…</translation>
    </message>
    <message>
        <source>Edit…</source>
        <translation>编辑…</translation>
    </message>
    <message>
        <source>Remove…</source>
        <translation>删除…</translation>
    </message>
    <message>
        <source>Test key</source>
        <translation>测试密钥</translation>
    </message>
    <message>
        <source>Unlock vault…</source>
        <translation>解锁保险库…</translation>
    </message>
    <message>
        <source>Change passphrase…</source>
        <translation>修改口令…</translation>
    </message>
    <message>
        <source>Reload keys</source>
        <translation>重新加载密钥</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>Keys are kept in {where}.</source>
        <translation>密钥保存在{where}。</translation>
    </message>
    <message>
        <source>{what} failed: {error}</source>
        <translation>{what}失败：{error}</translation>
    </message>
    <message>
        <source>Listing accounts</source>
        <translation>列出账户</translation>
    </message>
    <message>
        <source>Adding the account</source>
        <translation>添加账户</translation>
    </message>
    <message>
        <source>Editing the account</source>
        <translation>编辑账户</translation>
    </message>
    <message>
        <source>Saved {account}.</source>
        <translation>已保存 {account}。</translation>
    </message>
    <message>
        <source>Removing the account</source>
        <translation>删除账户</translation>
    </message>
    <message>
        <source> and its API keys</source>
        <translation>及其 API 密钥</translation>
    </message>
    <message>
        <source>Remove the account {account} ({venue}, {mode}){keys}?

This cannot be undone.</source>
        <translation>删除账户 {account}（{venue}，{mode}）{keys}？

此操作无法撤销。</translation>
    </message>
    <message>
        <source>live</source>
        <translation>实盘</translation>
    </message>
    <message>
        <source>paper</source>
        <translation>模拟盘</translation>
    </message>
    <message>
        <source>Remove account</source>
        <translation>删除账户</translation>
    </message>
    <message>
        <source>Kept {account}.</source>
        <translation>已保留 {account}。</translation>
    </message>
    <message>
        <source>The vault stays locked: nothing removed.</source>
        <translation>保险库仍处于锁定状态：未删除任何内容。</translation>
    </message>
    <message>
        <source>Removed {account}{keys}.</source>
        <translation>已删除 {account}{keys}。</translation>
    </message>
    <message>
        <source>Testing the key</source>
        <translation>测试密钥</translation>
    </message>
    <message>
        <source>Checking the key of {account}…</source>
        <translation>正在验证 {account} 的密钥…</translation>
    </message>
    <message>
        <source>Unlocking the vault</source>
        <translation>解锁保险库</translation>
    </message>
    <message>
        <source>The vault is unlocked.</source>
        <translation>保险库已解锁。</translation>
    </message>
    <message>
        <source>Changing the passphrase</source>
        <translation>修改口令</translation>
    </message>
    <message>
        <source>The vault&apos;s passphrase was changed.</source>
        <translation>保险库口令已修改。</translation>
    </message>
    <message>
        <source>Reloading keys</source>
        <translation>重新加载密钥</translation>
    </message>
    <message>
        <source>{n} changed</source>
        <translation>{n} 个已变更</translation>
    </message>
    <message>
        <source>missing for {labels}</source>
        <translation>{labels} 缺失</translation>
    </message>
    <message>
        <source>not readable: {what}</source>
        <translation>无法读取：{what}</translation>
    </message>
    <message>
        <source>Keys reloaded: {parts}.</source>
        <translation>密钥已重新加载：{parts}。</translation>
    </message>
</context>
<context>
    <name>AlertsDialog</name>
    <message>
        <source>Alerts</source>
        <translation>告警</translation>
    </message>
    <message>
        <source>off</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>Desktop notifications: the tray icon. Sound: {sound}. Channels are set in [alerts.channels] of the settings file; their secrets with &apos;arbdesk alerts secret&apos;.</source>
        <translation>桌面通知：托盘图标。声音：{sound}。通知渠道在设置文件的 [alerts.channels] 中配置；其密钥用 &apos;arbdesk alerts secret&apos; 设置。</translation>
    </message>
    <message>
        <source>Channel</source>
        <translation>渠道</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>类型</translation>
    </message>
    <message>
        <source>Enabled</source>
        <translation>已启用</translation>
    </message>
    <message>
        <source>Sent</source>
        <translation>已发送</translation>
    </message>
    <message>
        <source>Failed</source>
        <translation>失败</translation>
    </message>
    <message>
        <source>Last delivery</source>
        <translation>最近送达</translation>
    </message>
    <message>
        <source>Last error</source>
        <translation>最近错误</translation>
    </message>
    <message>
        <source>Test</source>
        <translation>测试</translation>
    </message>
    <message>
        <source>No alert channels are configured.</source>
        <translation>未配置任何告警渠道。</translation>
    </message>
    <message>
        <source>Send test</source>
        <translation>发送测试</translation>
    </message>
    <message>
        <source>yes</source>
        <translation>是</translation>
    </message>
    <message>
        <source>no</source>
        <translation>否</translation>
    </message>
    <message>
        <source>Delivered ({attempts} attempt(s))</source>
        <translation>已送达（尝试 {attempts} 次）</translation>
    </message>
    <message>
        <source>Failed: {error}</source>
        <translation>失败：{error}</translation>
    </message>
    <message>
        <source>Sending…</source>
        <translation>正在发送…</translation>
    </message>
</context>
<context>
    <name>AlertsHook</name>
    <message>
        <source>Alerts…</source>
        <translation>告警…</translation>
    </message>
</context>
<context>
    <name>BotChart</name>
    <message>
        <source>entry (net)</source>
        <translation>开仓（净）</translation>
    </message>
    <message>
        <source>exit</source>
        <translation>平仓</translation>
    </message>
    <message>
        <source>entry</source>
        <translation>开仓</translation>
    </message>
    <message>
        <source>add {n}</source>
        <translation>加仓 {n}</translation>
    </message>
    <message>
        <source>take profit</source>
        <translation>止盈</translation>
    </message>
    <message>
        <source>stop</source>
        <translation>止损</translation>
    </message>
    <message>
        <source> (sell B)</source>
        <translation>（卖 B）</translation>
    </message>
    <message>
        <source> (sell A)</source>
        <translation>（卖 A）</translation>
    </message>
    <message>
        <source>Select a bot to see its spread.</source>
        <translation>选择一个策略以查看其价差。</translation>
    </message>
    <message>
        <source>spread</source>
        <translation>价差</translation>
    </message>
    <message>
        <source>{bot} ({kind}) has no one pair to chart.</source>
        <translation>{bot}（{kind}）没有可绘制的单一价差对。</translation>
    </message>
    <message>
        <source>{time} · spread {bps} bps</source>
        <translation>{time} · 价差 {bps} bps</translation>
    </message>
</context>
<context>
    <name>BotFormDialog</name>
    <message>
        <source>letters, digits, &apos;_&apos;, &apos;-&apos;, &apos;.&apos; (1-48 characters); empty: one is chosen</source>
        <extracomment>The engine&apos;s rule for a bot id (``BotManager.create`` refuses anything else).</extracomment>
        <translation>字母、数字、&apos;_&apos;、&apos;-&apos;、&apos;.&apos;（1-48 个字符）；留空则自动生成</translation>
    </message>
    <message>
        <source>required</source>
        <extracomment>A str field whose description says this names an instrument (``&quot;venue:SYMBOL&quot;``).</extracomment>
        <translation>必填</translation>
    </message>
    <message>
        <source>optional</source>
        <translation>可选</translation>
    </message>
    <message>
        <source>at most {n} items</source>
        <translation>最多 {n} 项</translation>
    </message>
    <message>
        <source>line {n} ({line}): write &quot;venue:ASSET=amount&quot;</source>
        <translation>第 {n} 行（{line}）：请写成 &quot;venue:ASSET=amount&quot;</translation>
    </message>
    <message>
        <source>one per line: venue:ASSET=amount, e.g. binance:USDT=5000</source>
        <translation>每行一项：venue:ASSET=amount，例如 binance:USDT=5000</translation>
    </message>
    <message>
        <source>comma-separated; empty: none</source>
        <translation>以逗号分隔；留空表示无</translation>
    </message>
    <message>
        <source>empty: none</source>
        <translation>留空表示无</translation>
    </message>
    <message>
        <source>Edit bot {bot}</source>
        <translation>编辑策略 {bot}</translation>
    </message>
    <message>
        <source>New bot</source>
        <translation>新建策略</translation>
    </message>
    <message>
        <source>empty: chosen for you, e.g. spread_dca-1</source>
        <translation>留空则自动生成，例如 spread_dca-1</translation>
    </message>
    <message>
        <source>Load</source>
        <translation>载入</translation>
    </message>
    <message>
        <source>Delete</source>
        <translation>删除</translation>
    </message>
    <message>
        <source>template name</source>
        <translation>模板名称</translation>
    </message>
    <message>
        <source>Save as template</source>
        <translation>另存为模板</translation>
    </message>
    <message>
        <source>Kind:</source>
        <translation>类型：</translation>
    </message>
    <message>
        <source>Bot id:</source>
        <translation>策略 ID：</translation>
    </message>
    <message>
        <source>Template:</source>
        <translation>模板：</translation>
    </message>
    <message>
        <source>Create</source>
        <translation>创建</translation>
    </message>
    <message>
        <source>Save</source>
        <translation>保存</translation>
    </message>
    <message>
        <source>1 problem: see the fields marked.</source>
        <translation>1 个问题：请查看标记的字段。</translation>
    </message>
    <message>
        <source>{n} problems: see the fields marked.</source>
        <translation>{n} 个问题：请查看标记的字段。</translation>
    </message>
    <message>
        <source>{text} is not an instrument of this market</source>
        <translation>{text} 不是本市场的交易品种</translation>
    </message>
    <message>
        <source>Saving…</source>
        <translation>正在保存…</translation>
    </message>
    <message>
        <source>Saving failed: {error}</source>
        <translation>保存失败：{error}</translation>
    </message>
    <message>
        <source>Refused: {message}</source>
        <translation>被拒绝：{message}</translation>
    </message>
    <message>
        <source>Template {name} is for {kind} bots, this one is {this}.</source>
        <translation>模板 {name} 适用于 {kind} 策略，当前策略为 {this}。</translation>
    </message>
    <message>
        <source>Loaded template {name}.</source>
        <translation>已载入模板 {name}。</translation>
    </message>
    <message>
        <source>Name the template first.</source>
        <translation>请先为模板命名。</translation>
    </message>
    <message>
        <source>Saved template {name}.</source>
        <translation>已保存模板 {name}。</translation>
    </message>
    <message>
        <source>Deleted template {name}.</source>
        <translation>已删除模板 {name}。</translation>
    </message>
</context>
<context>
    <name>BotsPanel</name>
    <message>
        <source>Spread</source>
        <extracomment>What each button may do in each state (the engine refuses the rest anyway).</extracomment>
        <translation>价差</translation>
    </message>
    <message>
        <source>Orders</source>
        <translation>委托</translation>
    </message>
    <message>
        <source>Fills</source>
        <translation>成交</translation>
    </message>
    <message>
        <source>Cycles</source>
        <translation>周期</translation>
    </message>
    <message>
        <source>Steps</source>
        <translation>步骤</translation>
    </message>
    <message>
        <source>New…</source>
        <translation>新建…</translation>
    </message>
    <message>
        <source>Create a bot</source>
        <translation>创建策略</translation>
    </message>
    <message>
        <source>Edit…</source>
        <translation>编辑…</translation>
    </message>
    <message>
        <source>Change a stopped bot&apos;s parameters</source>
        <translation>修改已停止策略的参数</translation>
    </message>
    <message>
        <source>Clone</source>
        <translation>复制</translation>
    </message>
    <message>
        <source>A stopped copy with the same parameters</source>
        <translation>以相同参数创建一个已停止的副本</translation>
    </message>
    <message>
        <source>Delete…</source>
        <translation>删除…</translation>
    </message>
    <message>
        <source>Delete a stopped bot and its steps</source>
        <translation>删除已停止的策略及其步骤</translation>
    </message>
    <message>
        <source>Start</source>
        <translation>启动</translation>
    </message>
    <message>
        <source>Pause</source>
        <translation>暂停</translation>
    </message>
    <message>
        <source>No new step; resume later</source>
        <translation>不再执行新步骤；稍后可恢复</translation>
    </message>
    <message>
        <source>Resume</source>
        <translation>恢复</translation>
    </message>
    <message>
        <source>Stop</source>
        <translation>停止</translation>
    </message>
    <message>
        <source>No new step; what it holds stays</source>
        <translation>不再执行新步骤；已有仓位保留</translation>
    </message>
    <message>
        <source>1 bot, {running} running</source>
        <translation>1 个策略，{running} 个运行中</translation>
    </message>
    <message>
        <source>{n} bots, {running} running</source>
        <translation>{n} 个策略，{running} 个运行中</translation>
    </message>
    <message>
        <source>{what} failed: {error}</source>
        <translation>{what}失败：{error}</translation>
    </message>
    <message>
        <source>Select a bot first.</source>
        <translation>请先选择一个策略。</translation>
    </message>
    <message>
        <source>{bot}: a stopped copy of {source}</source>
        <translation>{bot}：{source} 的已停止副本</translation>
    </message>
    <message>
        <source>Delete the bot {bot} ({kind}) with its steps and cycles?

Its orders stay in the journal; a position it holds stays open. This cannot be undone.</source>
        <translation>删除策略 {bot}（{kind}）及其步骤和周期？

其委托仍保留在日志中；其持有的仓位保持不变。此操作无法撤销。</translation>
    </message>
    <message>
        <source>Delete bot</source>
        <translation>删除策略</translation>
    </message>
    <message>
        <source>Kept {bot}.</source>
        <translation>已保留 {bot}。</translation>
    </message>
    <message>
        <source>Deleted {bot}.</source>
        <translation>已删除 {bot}。</translation>
    </message>
    <message>
        <source>Stop {bot} to edit it.</source>
        <translation>请先停止 {bot} 再编辑。</translation>
    </message>
    <message>
        <source>{bot} created ({status}).</source>
        <translation>{bot} 已创建（{status}）。</translation>
    </message>
    <message>
        <source>{bot} saved ({status}).</source>
        <translation>{bot} 已保存（{status}）。</translation>
    </message>
</context>
<context>
    <name>Columns</name>
    <message>
        <source>Label</source>
        <translation>名称</translation>
    </message>
    <message>
        <source>Exchange</source>
        <translation>交易所</translation>
    </message>
    <message>
        <source>Mode</source>
        <translation>模式</translation>
    </message>
    <message>
        <source>Sandbox</source>
        <translation>沙盒</translation>
    </message>
    <message>
        <source>Market</source>
        <translation>市场</translation>
    </message>
    <message>
        <source>API key</source>
        <translation>API 密钥</translation>
    </message>
    <message>
        <source>Only the last 4 characters of a key are ever shown</source>
        <translation>密钥只显示末 4 位</translation>
    </message>
    <message>
        <source>Instruments</source>
        <translation>交易品种</translation>
    </message>
    <message>
        <source>Bot</source>
        <translation>策略</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>类型</translation>
    </message>
    <message>
        <source>State</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>{status}, phase {phase}</source>
        <translation>{status}，阶段 {phase}</translation>
    </message>
    <message>
        <source>Phase</source>
        <translation>阶段</translation>
    </message>
    <message>
        <source>Cycle</source>
        <translation>周期</translation>
    </message>
    <message>
        <source>Position</source>
        <translation>仓位</translation>
    </message>
    <message>
        <source>Realized</source>
        <translation>已实现</translation>
    </message>
    <message>
        <source>realized PnL (closed trades)</source>
        <translation>已实现盈亏（已平仓交易）</translation>
    </message>
    <message>
        <source>Unrealized</source>
        <translation>未实现</translation>
    </message>
    <message>
        <source>what the open position is worth now</source>
        <translation>当前持仓的浮动价值</translation>
    </message>
    <message>
        <source>Funding</source>
        <translation>资金费</translation>
    </message>
    <message>
        <source>funding received (+) or paid (-)</source>
        <translation>收取（+）或支付（-）的资金费</translation>
    </message>
    <message>
        <source>Fees</source>
        <translation>手续费</translation>
    </message>
    <message>
        <source>fees paid</source>
        <translation>已付手续费</translation>
    </message>
    <message>
        <source>PnL</source>
        <translation>盈亏</translation>
    </message>
    <message>
        <source>realized + unrealized + funding - fees</source>
        <translation>已实现 + 未实现 + 资金费 - 手续费</translation>
    </message>
    <message>
        <source>* some asset cannot be valued now</source>
        <translation>* 部分资产当前无法估值</translation>
    </message>
    <message>
        <source>Orders</source>
        <translation>委托</translation>
    </message>
    <message>
        <source>Leg risk</source>
        <translation>单腿风险</translation>
    </message>
    <message>
        <source>times the leg-risk policy had to hedge or unwind</source>
        <translation>单腿风险策略执行对冲或平仓的次数</translation>
    </message>
    <message>
        <source>Last event</source>
        <translation>最近事件</translation>
    </message>
    <message>
        <source>Opened</source>
        <translation>开仓时间</translation>
    </message>
    <message>
        <source>Closed</source>
        <translation>平仓时间</translation>
    </message>
    <message>
        <source>Adds</source>
        <translation>加仓</translation>
    </message>
    <message>
        <source>Entry</source>
        <translation>开仓</translation>
    </message>
    <message>
        <source>Exit</source>
        <translation>平仓</translation>
    </message>
    <message>
        <source>Time</source>
        <translation>时间</translation>
    </message>
    <message>
        <source>Trace</source>
        <translation>追踪 ID</translation>
    </message>
    <message>
        <source>Action</source>
        <translation>操作</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Note</source>
        <translation>备注</translation>
    </message>
    <message>
        <source>Legs</source>
        <translation>各腿</translation>
    </message>
    <message>
        <source>Result</source>
        <translation>结果</translation>
    </message>
    <message>
        <source>Asset</source>
        <translation>资产</translation>
    </message>
    <message>
        <source>Net qty</source>
        <translation>净数量</translation>
    </message>
    <message>
        <source>Value {currency}</source>
        <translation>价值 {currency}</translation>
    </message>
    <message>
        <source>By venue</source>
        <translation>按交易所</translation>
    </message>
    <message>
        <source>Venue</source>
        <translation>交易所</translation>
    </message>
    <message>
        <source>Instrument</source>
        <translation>交易品种</translation>
    </message>
    <message>
        <source>Side</source>
        <translation>方向</translation>
    </message>
    <message>
        <source>Qty</source>
        <translation>数量</translation>
    </message>
    <message>
        <source>Price</source>
        <translation>价格</translation>
    </message>
    <message>
        <source>Fee</source>
        <translation>手续费</translation>
    </message>
    <message>
        <source>Liquidity</source>
        <translation>流动性</translation>
    </message>
    <message>
        <source>Client id</source>
        <translation>客户委托 ID</translation>
    </message>
    <message>
        <source>Trade id</source>
        <translation>成交 ID</translation>
    </message>
    <message>
        <source>Limit</source>
        <translation>限额</translation>
    </message>
    <message>
        <source>Value</source>
        <translation>数值</translation>
    </message>
    <message>
        <source>double-click to edit; the engine validates before applying</source>
        <translation>双击编辑；引擎校验后生效</translation>
    </message>
    <message>
        <source>Unit</source>
        <translation>单位</translation>
    </message>
    <message>
        <source>Usage</source>
        <translation>占用</translation>
    </message>
    <message>
        <source>Level</source>
        <translation>级别</translation>
    </message>
    <message>
        <source>Source</source>
        <translation>来源</translation>
    </message>
    <message>
        <source>Message</source>
        <translation>消息</translation>
    </message>
    <message>
        <source>quote ages when found: {ages}</source>
        <translation>发现时的行情延迟：{ages}</translation>
    </message>
    <message>
        <source>Signal</source>
        <translation>信号</translation>
    </message>
    <message>
        <source>Edge bps</source>
        <translation>收益 bps</translation>
    </message>
    <message>
        <source>net edge after taker fees, in basis points</source>
        <translation>扣除吃单手续费后的净收益（基点）</translation>
    </message>
    <message>
        <source>Size</source>
        <translation>规模</translation>
    </message>
    <message>
        <source>what the first leg spends at the size every leg&apos;s book allows</source>
        <translation>在各腿盘口深度允许的规模下第一腿的花费</translation>
    </message>
    <message>
        <source>Age</source>
        <translation>延迟</translation>
    </message>
    <message>
        <source>age of the oldest quote it was priced on</source>
        <translation>定价所用最旧行情的延迟</translation>
    </message>
    <message>
        <source>Key</source>
        <translation>标识</translation>
    </message>
    <message>
        <source>Type</source>
        <translation>类型</translation>
    </message>
    <message>
        <source>Filled</source>
        <translation>已成交</translation>
    </message>
    <message>
        <source>Avg price</source>
        <translation>成交均价</translation>
    </message>
    <message>
        <source>Origin</source>
        <translation>来源</translation>
    </message>
    <message>
        <source>Mark</source>
        <translation>标记价格</translation>
    </message>
    <message>
        <source>uPnL</source>
        <translation>未实现盈亏</translation>
    </message>
    <message>
        <source>unrealized + realized - fees</source>
        <translation>未实现 + 已实现 - 手续费</translation>
    </message>
    <message>
        <source>Notional</source>
        <translation>名义价值</translation>
    </message>
    <message>
        <source>rPnL</source>
        <translation>已实现盈亏</translation>
    </message>
    <message>
        <source>Ccy</source>
        <translation>币种</translation>
    </message>
    <message>
        <source>mid {price}</source>
        <translation>中间价 {price}</translation>
    </message>
    <message>
        <source>Bid qty</source>
        <translation>买量</translation>
    </message>
    <message>
        <source>Bid</source>
        <translation>买价</translation>
    </message>
    <message>
        <source>Ask</source>
        <translation>卖价</translation>
    </message>
    <message>
        <source>Ask qty</source>
        <translation>卖量</translation>
    </message>
    <message>
        <source>Spread</source>
        <translation>价差</translation>
    </message>
    <message>
        <source>best ask over best bid, in basis points of the mid</source>
        <translation>最优卖价相对最优买价的差，以中间价的基点计</translation>
    </message>
    <message>
        <source>STALE {age}</source>
        <translation>过期 {age}</translation>
    </message>
    <message>
        <source>; exchange time {time}</source>
        <translation>；交易所时间 {time}</translation>
    </message>
    <message>
        <source>received {time} (market time, UTC)</source>
        <translation>接收于 {time}（行情时间，UTC）</translation>
    </message>
    <message>
        <source>Rule</source>
        <translation>规则</translation>
    </message>
    <message>
        <source>Rejections</source>
        <translation>拒单次数</translation>
    </message>
</context>
<context>
    <name>EquityChartPanel</name>
    <message>
        <source>day PnL</source>
        <translation>当日盈亏</translation>
    </message>
    <message>
        <source>Equity: waiting for prices…</source>
        <translation>权益：等待价格…</translation>
    </message>
    <message>
        <source>PnL {pnl} &amp;nbsp; today {today}</source>
        <translation>盈亏 {pnl} &amp;nbsp; 今日 {today}</translation>
    </message>
</context>
<context>
    <name>HelpDialog</name>
    <message>
        <source>Keyboard shortcuts</source>
        <translation>快捷键</translation>
    </message>
    <message>
        <source>Keys</source>
        <translation>按键</translation>
    </message>
    <message>
        <source>Action</source>
        <translation>操作</translation>
    </message>
    <message>
        <source>Hover over any number, light or button for details. Charts: drag to pan, wheel to zoom, right-drag to zoom one axis; “Follow” returns to the live edge.</source>
        <translation>将鼠标悬停在任意数字、指示灯或按钮上可查看详情。图表：拖动平移，滚轮缩放，右键拖动缩放单轴；“跟随”回到最新行情。</translation>
    </message>
</context>
<context>
    <name>Limits</name>
    <message>
        <source>Max quote age</source>
        <translation>最大行情延迟</translation>
    </message>
    <message>
        <source>Price band</source>
        <translation>价格带</translation>
    </message>
    <message>
        <source>Max order notional</source>
        <translation>单笔委托最大名义价值</translation>
    </message>
    <message>
        <source>Max position notional</source>
        <translation>最大仓位名义价值</translation>
    </message>
    <message>
        <source>Max gross exposure</source>
        <translation>最大总敞口</translation>
    </message>
    <message>
        <source>Max open orders</source>
        <translation>最大挂单数</translation>
    </message>
    <message>
        <source>Max open orders / instrument</source>
        <translation>单品种最大挂单数</translation>
    </message>
    <message>
        <source>Order rate</source>
        <translation>下单频率</translation>
    </message>
    <message>
        <source>Order burst</source>
        <translation>下单突发量</translation>
    </message>
    <message>
        <source>Cancel rate</source>
        <translation>撤单频率</translation>
    </message>
    <message>
        <source>Cancel burst</source>
        <translation>撤单突发量</translation>
    </message>
    <message>
        <source>Duplicate window</source>
        <translation>重复委托窗口</translation>
    </message>
    <message>
        <source>a value is required</source>
        <translation>必须填写数值</translation>
    </message>
    <message>
        <source>not a number: {text}</source>
        <translation>不是数字：{text}</translation>
    </message>
    <message>
        <source>not a finite number: {text}</source>
        <translation>不是有限数字：{text}</translation>
    </message>
    <message>
        <source>{limit} set to {value}</source>
        <translation>{limit} 已设为 {value}</translation>
    </message>
    <message>
        <source>per order</source>
        <translation>按单笔委托</translation>
    </message>
    <message>
        <source>per burst</source>
        <translation>按突发</translation>
    </message>
    <message>
        <source>per venue</source>
        <translation>按交易所</translation>
    </message>
    <message>
        <source>oldest quote</source>
        <translation>最旧行情</translation>
    </message>
    <message>
        <source>largest position</source>
        <translation>最大仓位</translation>
    </message>
</context>
<context>
    <name>LiveConfirmDialog</name>
    <message>
        <source>ArbDesk — LIVE trading</source>
        <translation>ArbDesk — 实盘交易</translation>
    </message>
    <message>
        <source>LIVE mode sends real orders with real money to: {accounts}.</source>
        <translation>实盘模式将以真实资金向以下账户发送真实委托：{accounts}。</translation>
    </message>
    <message>
        <source>Bots that were running start again. The panic button halts everything. Start live trading?</source>
        <translation>之前运行中的策略将重新启动。紧急停止按钮可立即停止一切。开始实盘交易？</translation>
    </message>
    <message>
        <source>Start LIVE trading</source>
        <translation>开始实盘交易</translation>
    </message>
    <message>
        <source>Quit</source>
        <translation>退出</translation>
    </message>
</context>
<context>
    <name>LogPanel</name>
    <message>
        <source>All levels</source>
        <translation>全部级别</translation>
    </message>
    <message>
        <source>Info and up</source>
        <translation>信息及以上</translation>
    </message>
    <message>
        <source>Warnings and up</source>
        <translation>警告及以上</translation>
    </message>
    <message>
        <source>Errors</source>
        <translation>错误</translation>
    </message>
    <message>
        <source>Alerts only</source>
        <translation>仅告警</translation>
    </message>
    <message>
        <source>Filter messages…</source>
        <translation>筛选消息…</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>LIVE</source>
        <translation>实盘</translation>
    </message>
    <message>
        <source>PAPER</source>
        <translation>模拟盘</translation>
    </message>
    <message>
        <source>replay of recorded data</source>
        <translation>历史数据回放</translation>
    </message>
    <message>
        <source>simulated market</source>
        <translation>模拟市场</translation>
    </message>
    <message>
        <source>ArbDesk — {mode} · {market}</source>
        <translation>ArbDesk — {mode} · {market}</translation>
    </message>
    <message>
        <source>Market watch</source>
        <translation>行情</translation>
    </message>
    <message>
        <source>Spread chart</source>
        <translation>价差图</translation>
    </message>
    <message>
        <source>Equity and daily PnL</source>
        <translation>权益与每日盈亏</translation>
    </message>
    <message>
        <source>Order ticket</source>
        <translation>下单</translation>
    </message>
    <message>
        <source>Opportunities</source>
        <translation>套利机会</translation>
    </message>
    <message>
        <source>Orders and fills</source>
        <translation>委托与成交</translation>
    </message>
    <message>
        <source>Positions and exposure</source>
        <translation>仓位与敞口</translation>
    </message>
    <message>
        <source>Risk</source>
        <translation>风控</translation>
    </message>
    <message>
        <source>Log and alerts</source>
        <translation>日志与告警</translation>
    </message>
    <message>
        <source>Bots</source>
        <translation>策略</translation>
    </message>
    <message>
        <source>{mode} on the {market}</source>
        <translation>{mode} · {market}</translation>
    </message>
    <message>
        <source>PANIC — cancel everything</source>
        <translation>紧急停止 — 一键撤单</translation>
    </message>
    <message>
        <source>Resume trading…</source>
        <translation>恢复交易…</translation>
    </message>
    <message>
        <source>Quit</source>
        <translation>退出</translation>
    </message>
    <message>
        <source>Keyboard shortcuts</source>
        <translation>快捷键</translation>
    </message>
    <message>
        <source>Restore default layout</source>
        <translation>恢复默认布局</translation>
    </message>
    <message>
        <source>Full screen</source>
        <translation>全屏</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation>视图(&amp;V)</translation>
    </message>
    <message>
        <source>&amp;Trading</source>
        <translation>交易(&amp;T)</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>帮助(&amp;H)</translation>
    </message>
    <message>
        <source>Accounts…</source>
        <translation>账户…</translation>
    </message>
    <message>
        <source>Accounts unavailable: {error}</source>
        <translation>账户不可用：{error}</translation>
    </message>
    <message>
        <source>Show window</source>
        <translation>显示窗口</translation>
    </message>
    <message>
        <source>Language (applies on restart)</source>
        <translation>语言（重启后生效）</translation>
    </message>
    <message>
        <source>System language</source>
        <translation>跟随系统</translation>
    </message>
    <message>
        <source>The language could not be saved: {error}</source>
        <translation>无法保存语言设置：{error}</translation>
    </message>
    <message>
        <source>Language saved: it applies when ArbDesk starts again.</source>
        <translation>语言已保存：将在 ArbDesk 下次启动时生效。</translation>
    </message>
    <message>
        <source>info</source>
        <translation>信息</translation>
    </message>
    <message>
        <source>warning</source>
        <translation>警告</translation>
    </message>
    <message>
        <source>critical</source>
        <translation>严重</translation>
    </message>
    <message>
        <source>panic in progress</source>
        <translation>紧急停止进行中</translation>
    </message>
    <message>
        <source>Panic: everything canceled</source>
        <translation>紧急停止：已全部撤单</translation>
    </message>
    <message>
        <source>Panic: NOT CLEAN</source>
        <translation>紧急停止：未完全清理</translation>
    </message>
    <message>
        <source>Trading is not HALTED: nothing to resume.</source>
        <translation>交易未处于暂停状态：无需恢复。</translation>
    </message>
    <message>
        <source>market time {clock} UTC · {books} books</source>
        <translation>行情时间 {clock} UTC · {books} 个盘口</translation>
    </message>
    <message>
        <source>ArbDesk {level}</source>
        <translation>ArbDesk {level}</translation>
    </message>
    <message>
        <source>Shutting down: stopping bots, closing venues, store…</source>
        <translation>正在关闭：停止策略、断开交易所、关闭存储…</translation>
    </message>
</context>
<context>
    <name>MarketWatchPanel</name>
    <message>
        <source>Filter venue or instrument…</source>
        <translation>筛选交易所或交易品种…</translation>
    </message>
</context>
<context>
    <name>Names</name>
    <message>
        <source>ACTIVE</source>
        <extracomment>Engine words shown in the window as they are in English, in upper or lower case: listed with QT_TRANSLATE_NOOP so that lupdate collects them, translated by ``name`` when shown.</extracomment>
        <translation>交易中</translation>
    </message>
    <message>
        <source>REDUCING</source>
        <translation>只减仓</translation>
    </message>
    <message>
        <source>HALTED</source>
        <translation>暂停交易</translation>
    </message>
    <message>
        <source>RECONCILING</source>
        <translation>对账中</translation>
    </message>
    <message>
        <source>STARTING</source>
        <translation>启动中</translation>
    </message>
    <message>
        <source>LIVE</source>
        <translation>实盘</translation>
    </message>
    <message>
        <source>PAPER</source>
        <translation>模拟盘</translation>
    </message>
    <message>
        <source>connecting</source>
        <translation>连接中</translation>
    </message>
    <message>
        <source>connected</source>
        <translation>已连接</translation>
    </message>
    <message>
        <source>stale</source>
        <translation>数据过期</translation>
    </message>
    <message>
        <source>down</source>
        <translation>已断开</translation>
    </message>
    <message>
        <source>closed</source>
        <translation>已关闭</translation>
    </message>
    <message>
        <source>BUY</source>
        <translation>买入</translation>
    </message>
    <message>
        <source>SELL</source>
        <translation>卖出</translation>
    </message>
    <message>
        <source>buy</source>
        <translation>买入</translation>
    </message>
    <message>
        <source>sell</source>
        <translation>卖出</translation>
    </message>
    <message>
        <source>LIMIT</source>
        <translation>限价</translation>
    </message>
    <message>
        <source>MARKET</source>
        <translation>市价</translation>
    </message>
    <message>
        <source>NEW</source>
        <translation>新建</translation>
    </message>
    <message>
        <source>PENDING_SUBMIT</source>
        <translation>待提交</translation>
    </message>
    <message>
        <source>OPEN</source>
        <translation>挂单中</translation>
    </message>
    <message>
        <source>PARTIALLY_FILLED</source>
        <translation>部分成交</translation>
    </message>
    <message>
        <source>PENDING_CANCEL</source>
        <translation>撤单中</translation>
    </message>
    <message>
        <source>FILLED</source>
        <translation>全部成交</translation>
    </message>
    <message>
        <source>CANCELED</source>
        <translation>已撤单</translation>
    </message>
    <message>
        <source>REJECTED</source>
        <translation>已拒绝</translation>
    </message>
    <message>
        <source>EXPIRED</source>
        <translation>已过期</translation>
    </message>
    <message>
        <source>UNKNOWN</source>
        <translation>未知</translation>
    </message>
    <message>
        <source>stopped</source>
        <translation>已停止</translation>
    </message>
    <message>
        <source>running</source>
        <translation>运行中</translation>
    </message>
    <message>
        <source>paused</source>
        <translation>已暂停</translation>
    </message>
    <message>
        <source>failed</source>
        <translation>失败</translation>
    </message>
    <message>
        <source>restarting</source>
        <translation>重启中</translation>
    </message>
    <message>
        <source>maker</source>
        <translation>挂单</translation>
    </message>
    <message>
        <source>taker</source>
        <translation>吃单</translation>
    </message>
    <message>
        <source>cross</source>
        <translation>跨所套利</translation>
    </message>
    <message>
        <source>triangular</source>
        <translation>三角套利</translation>
    </message>
    <message>
        <source>cycles</source>
        <translation>循环套利</translation>
    </message>
    <message>
        <source>basis</source>
        <translation>期现套利</translation>
    </message>
    <message>
        <source>pairs</source>
        <translation>配对交易</translation>
    </message>
    <message>
        <source>done</source>
        <translation>已完成</translation>
    </message>
    <message>
        <source>pending</source>
        <translation>进行中</translation>
    </message>
    <message>
        <source>abandoned</source>
        <translation>已放弃</translation>
    </message>
    <message>
        <source>entry</source>
        <translation>开仓</translation>
    </message>
    <message>
        <source>exit</source>
        <translation>平仓</translation>
    </message>
    <message>
        <source>trading_state</source>
        <translation>交易状态</translation>
    </message>
    <message>
        <source>instrument_tradable</source>
        <translation>品种可交易</translation>
    </message>
    <message>
        <source>quote_fresh</source>
        <translation>行情时效</translation>
    </message>
    <message>
        <source>price_band</source>
        <translation>价格带</translation>
    </message>
    <message>
        <source>venue_minimums</source>
        <translation>交易所最小下单量</translation>
    </message>
    <message>
        <source>max_order_notional</source>
        <translation>单笔委托最大名义价值</translation>
    </message>
    <message>
        <source>max_position_notional</source>
        <translation>最大仓位名义价值</translation>
    </message>
    <message>
        <source>max_gross_exposure</source>
        <translation>最大总敞口</translation>
    </message>
    <message>
        <source>max_open_orders</source>
        <translation>最大挂单数</translation>
    </message>
    <message>
        <source>enough_balance</source>
        <translation>余额充足</translation>
    </message>
    <message>
        <source>order_rate</source>
        <translation>下单频率</translation>
    </message>
    <message>
        <source>duplicate_order</source>
        <translation>重复委托</translation>
    </message>
    <message>
        <source>cancel_rate</source>
        <translation>撤单频率</translation>
    </message>
    <message>
        <source>DEBUG</source>
        <translation>调试</translation>
    </message>
    <message>
        <source>INFO</source>
        <translation>信息</translation>
    </message>
    <message>
        <source>WARNING</source>
        <translation>警告</translation>
    </message>
    <message>
        <source>ERROR</source>
        <translation>错误</translation>
    </message>
    <message>
        <source>CRITICAL</source>
        <translation>严重</translation>
    </message>
    <message>
        <source>ALERT</source>
        <translation>警报</translation>
    </message>
    <message>
        <source>long</source>
        <translation>多头</translation>
    </message>
    <message>
        <source>short</source>
        <translation>空头</translation>
    </message>
    <message>
        <source>flat</source>
        <translation>空仓</translation>
    </message>
</context>
<context>
    <name>OpportunitiesPanel</name>
    <message>
        <source>All kinds</source>
        <translation>全部类型</translation>
    </message>
    <message>
        <source>{n} live</source>
        <translation>{n} 个有效</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>类型</translation>
    </message>
</context>
<context>
    <name>OrderTicketPanel</name>
    <message>
        <source>Buy</source>
        <translation>买入</translation>
    </message>
    <message>
        <source>Sell</source>
        <translation>卖出</translation>
    </message>
    <message>
        <source>quantity</source>
        <translation>数量</translation>
    </message>
    <message>
        <source>limit price</source>
        <translation>限价</translation>
    </message>
    <message>
        <source>Touch</source>
        <translation>对手价</translation>
    </message>
    <message>
        <source>Price at the best bid (buy) or best ask (sell)</source>
        <translation>以最优买价（买入）或最优卖价（卖出）定价</translation>
    </message>
    <message>
        <source>Reduce only</source>
        <translation>只减仓</translation>
    </message>
    <message>
        <source>Send</source>
        <translation>发送</translation>
    </message>
    <message>
        <source>Venue</source>
        <translation>交易所</translation>
    </message>
    <message>
        <source>Instrument</source>
        <translation>交易品种</translation>
    </message>
    <message>
        <source>Side</source>
        <translation>方向</translation>
    </message>
    <message>
        <source>Type</source>
        <translation>类型</translation>
    </message>
    <message>
        <source>Quantity</source>
        <translation>数量</translation>
    </message>
    <message>
        <source>Price</source>
        <translation>价格</translation>
    </message>
    <message>
        <source>Risk checks</source>
        <translation>风控检查</translation>
    </message>
    <message>
        <source>No quote yet for this instrument.</source>
        <translation>该品种暂无行情。</translation>
    </message>
    <message>
        <source>bid {bid}  ·  ask {ask}  ·  {spread} bps</source>
        <translation>买 {bid}  ·  卖 {ask}  ·  {spread} bps</translation>
    </message>
    <message>
        <source>Buy {instrument} on {venue}</source>
        <translation>在 {venue} 买入 {instrument}</translation>
    </message>
    <message>
        <source>Sell {instrument} on {venue}</source>
        <translation>在 {venue} 卖出 {instrument}</translation>
    </message>
    <message>
        <source>passes</source>
        <translation>通过</translation>
    </message>
    <message>
        <source>Not sent — {error}</source>
        <translation>未发送 — {error}</translation>
    </message>
    <message>
        <source>Sending…</source>
        <translation>正在发送…</translation>
    </message>
    <message>
        <source>Refused by risk — {error}</source>
        <translation>被风控拒绝 — {error}</translation>
    </message>
</context>
<context>
    <name>OrdersPanel</name>
    <message>
        <source>Open</source>
        <translation>当前委托</translation>
    </message>
    <message>
        <source>History</source>
        <translation>历史委托</translation>
    </message>
    <message>
        <source>Fills</source>
        <translation>成交</translation>
    </message>
    <message>
        <source>Filter (venue, instrument, status, id)…</source>
        <translation>筛选（交易所、品种、状态、ID）…</translation>
    </message>
    <message>
        <source>Cancel selected</source>
        <translation>撤销所选</translation>
    </message>
    <message>
        <source>Cancel the selected open orders (Delete)</source>
        <translation>撤销所选挂单（Delete）</translation>
    </message>
    <message>
        <source>Cancel order</source>
        <translation>撤单</translation>
    </message>
    <message>
        <source>{n} open</source>
        <translation>{n} 笔挂单</translation>
    </message>
    <message>
        <source>Open ({n})</source>
        <translation>当前委托（{n}）</translation>
    </message>
    <message>
        <source>Select an open order to cancel.</source>
        <translation>请选择要撤销的挂单。</translation>
    </message>
    <message>
        <source>Cancel of {order} refused: {error}</source>
        <translation>撤销 {order} 被拒绝：{error}</translation>
    </message>
    <message>
        <source>Cancel of {order} failed: {error}</source>
        <translation>撤销 {order} 失败：{error}</translation>
    </message>
</context>
<context>
    <name>PanicReportDialog</name>
    <message>
        <source>Panic report</source>
        <translation>紧急停止报告</translation>
    </message>
    <message>
        <source>Everything canceled</source>
        <translation>已全部撤单</translation>
    </message>
    <message>
        <source>NOT CLEAN — action needed</source>
        <translation>未完全清理 — 需要处理</translation>
    </message>
    <message>
        <source>Trading HALTED · {verdict} · {canceled} orders canceled in {ms} ms · {bots} bots stopped</source>
        <translation>交易已暂停 · {verdict} · {ms} 毫秒内撤销 {canceled} 笔委托 · 停止 {bots} 个策略</translation>
    </message>
    <message>
        <source>{time} UTC — by {actor}</source>
        <translation>{time} UTC — 由 {actor} 触发</translation>
    </message>
    <message>
        <source>Trading stays HALTED until you choose “Resume trading…” in the toolbar, which reconciles with every venue first.</source>
        <translation>交易将保持暂停，直到您在工具栏中选择“恢复交易…”，届时会先与每个交易所对账。</translation>
    </message>
    <message>
        <source>PANIC ({actor}): {reason}</source>
        <translation>紧急停止（{actor}）：{reason}</translation>
    </message>
    <message>
        <source>clean</source>
        <translation>已清理</translation>
    </message>
    <message>
        <source>NOT CLEAN</source>
        <translation>未完全清理</translation>
    </message>
    <message>
        <source>{venue}: {n} canceled, {state}</source>
        <translation>{venue}：已撤销 {n} 笔，{state}</translation>
    </message>
    <message>
        <source>; still open: {ids}</source>
        <translation>；仍在挂单：{ids}</translation>
    </message>
    <message>
        <source>; closed: {ids}</source>
        <translation>；已平仓：{ids}</translation>
    </message>
    <message>
        <source>; positions left: {ids}</source>
        <translation>；剩余仓位：{ids}</translation>
    </message>
    <message>
        <source>; errors: {errors}</source>
        <translation>；错误：{errors}</translation>
    </message>
    <message>
        <source>{n} orders canceled in {ms} ms; {bots} bots stopped</source>
        <translation>{ms} 毫秒内撤销 {n} 笔委托；停止 {bots} 个策略</translation>
    </message>
</context>
<context>
    <name>PassphraseDialog</name>
    <message>
        <source>Unlock the vault</source>
        <extracomment>``submit(current, new)``: the current passphrase (empty when creating), the new one (empty when unlocking). Raises ``CredentialsError`` to keep the dialog open with its message.</extracomment>
        <translation>解锁保险库</translation>
    </message>
    <message>
        <source>Unlock</source>
        <translation>解锁</translation>
    </message>
    <message>
        <source>Enter the master passphrase of {where}.</source>
        <translation>请输入{where}的主口令。</translation>
    </message>
    <message>
        <source>Create the vault</source>
        <translation>创建保险库</translation>
    </message>
    <message>
        <source>Create vault</source>
        <translation>创建保险库</translation>
    </message>
    <message>
        <source>API keys will be kept in {where}. Choose its master passphrase (at least {n} characters). It cannot be recovered: without it, keys must be entered again.</source>
        <translation>API 密钥将保存在{where}中。请设置主口令（至少 {n} 个字符）。口令无法找回：丢失后需重新输入所有密钥。</translation>
    </message>
    <message>
        <source>Change the vault passphrase</source>
        <translation>修改保险库口令</translation>
    </message>
    <message>
        <source>Change</source>
        <translation>修改</translation>
    </message>
    <message>
        <source>The vault is re-encrypted in one step: it always opens with the old passphrase or the new one.</source>
        <translation>保险库将一次性重新加密：始终可用旧口令或新口令打开。</translation>
    </message>
    <message>
        <source>the encrypted vault</source>
        <translation>加密保险库</translation>
    </message>
    <message>
        <source>Passphrase:</source>
        <translation>口令：</translation>
    </message>
    <message>
        <source>Current:</source>
        <translation>当前口令：</translation>
    </message>
    <message>
        <source>New passphrase:</source>
        <translation>新口令：</translation>
    </message>
    <message>
        <source>Repeat it:</source>
        <translation>再次输入：</translation>
    </message>
    <message>
        <source>Enter the passphrase.</source>
        <translation>请输入口令。</translation>
    </message>
    <message>
        <source>Working…</source>
        <translation>处理中…</translation>
    </message>
    <message>
        <source>Failed: {error}</source>
        <translation>失败：{error}</translation>
    </message>
</context>
<context>
    <name>PositionsPanel</name>
    <message>
        <source>No open positions</source>
        <translation>无持仓</translation>
    </message>
</context>
<context>
    <name>ResetHaltDialog</name>
    <message>
        <source>&lt;p&gt;&lt;b&gt;Resume trading?&lt;/b&gt;&lt;/p&gt;&lt;p&gt;Trading is &lt;b&gt;HALTED&lt;/b&gt;{reason}. Resuming will:&lt;/p&gt;&lt;ol&gt;&lt;li&gt;reconcile with every venue: open orders, fills, balances and positions are compared with our records (trading shows RECONCILING meanwhile);&lt;/li&gt;&lt;li&gt;switch to &lt;b&gt;ACTIVE&lt;/b&gt; only if they agree — otherwise trading stays HALTED and the differences are listed here;&lt;/li&gt;&lt;li&gt;not restart any bot: start the ones you want yourself.&lt;/li&gt;&lt;/ol&gt;&lt;p&gt;New orders can leave as soon as trading is ACTIVE.&lt;/p&gt;</source>
        <translation>&lt;p&gt;&lt;b&gt;恢复交易？&lt;/b&gt;&lt;/p&gt;&lt;p&gt;交易&lt;b&gt;已暂停&lt;/b&gt;{reason}。恢复将：&lt;/p&gt;&lt;ol&gt;&lt;li&gt;与每个交易所对账：将挂单、成交、余额和仓位与本地记录核对（期间交易状态显示为“对账中”）；&lt;/li&gt;&lt;li&gt;仅在一致时切换为&lt;b&gt;交易中&lt;/b&gt; — 否则交易保持暂停，差异将在此列出；&lt;/li&gt;&lt;li&gt;不会重启任何策略：请自行启动需要的策略。&lt;/li&gt;&lt;/ol&gt;&lt;p&gt;交易恢复为“交易中”后即可发出新委托。&lt;/p&gt;</translation>
    </message>
    <message>
        <source>Leave HALTED</source>
        <translation>解除暂停</translation>
    </message>
    <message>
        <source>Reconcile and resume</source>
        <translation>对账并恢复</translation>
    </message>
    <message>
        <source>Stay halted</source>
        <translation>保持暂停</translation>
    </message>
    <message>
        <source>Reconciling with every venue…</source>
        <translation>正在与各交易所对账…</translation>
    </message>
    <message>
        <source>Reset failed: {error}. Trading stays HALTED.</source>
        <translation>恢复失败：{error}。交易保持暂停。</translation>
    </message>
    <message>
        <source>Reconciliation passed: trading is ACTIVE.</source>
        <translation>对账通过：交易已恢复。</translation>
    </message>
    <message>
        <source>Reconciliation failed; trading stays HALTED:
{problems}</source>
        <translation>对账未通过；交易保持暂停：
{problems}</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
</context>
<context>
    <name>RiskPanel</name>
    <message>
        <source>not a number</source>
        <translation>不是数字</translation>
    </message>
    <message>
        <source>must be a whole number, got {value}</source>
        <translation>必须是整数，当前为 {value}</translation>
    </message>
    <message>
        <source>Trading {state}</source>
        <translation>交易状态：{state}</translation>
    </message>
</context>
<context>
    <name>Shortcuts</name>
    <message>
        <source>PANIC: halt, stop bots, cancel every open order</source>
        <translation>紧急停止：暂停交易、停止策略、撤销所有挂单</translation>
    </message>
    <message>
        <source>Resume trading (leave HALTED, after confirmation)</source>
        <translation>恢复交易（确认后解除暂停）</translation>
    </message>
    <message>
        <source>Focus the order ticket</source>
        <translation>聚焦下单面板</translation>
    </message>
    <message>
        <source>Send the ticket&apos;s order (in its quantity or price field)</source>
        <translation>发送下单面板的委托（在数量或价格输入框中）</translation>
    </message>
    <message>
        <source>Cancel the selected open orders</source>
        <translation>撤销所选挂单</translation>
    </message>
    <message>
        <source>Show the spread chart</source>
        <translation>显示价差图</translation>
    </message>
    <message>
        <source>Show the opportunities</source>
        <translation>显示套利机会</translation>
    </message>
    <message>
        <source>Show orders and fills</source>
        <translation>显示委托与成交</translation>
    </message>
    <message>
        <source>Show positions</source>
        <translation>显示仓位</translation>
    </message>
    <message>
        <source>Show the market watch</source>
        <translation>显示行情</translation>
    </message>
    <message>
        <source>Show risk</source>
        <translation>显示风控</translation>
    </message>
    <message>
        <source>Show log and alerts</source>
        <translation>显示日志与告警</translation>
    </message>
    <message>
        <source>Show the equity chart</source>
        <translation>显示权益图</translation>
    </message>
    <message>
        <source>Show the bots</source>
        <translation>显示策略</translation>
    </message>
    <message>
        <source>Restore the default layout</source>
        <translation>恢复默认布局</translation>
    </message>
    <message>
        <source>Full screen</source>
        <translation>全屏</translation>
    </message>
    <message>
        <source>This list</source>
        <translation>本列表</translation>
    </message>
    <message>
        <source>Quit (orderly shutdown)</source>
        <translation>退出（有序关闭）</translation>
    </message>
</context>
<context>
    <name>SpreadChartPanel</name>
    <message>
        <source>1 min</source>
        <translation>1 分钟</translation>
    </message>
    <message>
        <source>5 min</source>
        <translation>5 分钟</translation>
    </message>
    <message>
        <source>30 min</source>
        <translation>30 分钟</translation>
    </message>
    <message>
        <source>4 h</source>
        <translation>4 小时</translation>
    </message>
    <message>
        <source>All</source>
        <translation>全部</translation>
    </message>
    <message>
        <source>Entry threshold: the fee line (both legs&apos; taker fees by default)</source>
        <translation>开仓阈值：手续费线（默认为两腿吃单手续费之和）</translation>
    </message>
    <message>
        <source>Exit threshold</source>
        <translation>平仓阈值</translation>
    </message>
    <message>
        <source>Follow</source>
        <translation>跟随</translation>
    </message>
    <message>
        <source>Keep the live edge in view (panning or zooming turns it off)</source>
        <translation>保持显示最新行情（平移或缩放时关闭）</translation>
    </message>
    <message>
        <source>vs A</source>
        <translation>对比 A</translation>
    </message>
    <message>
        <source>Entry ±</source>
        <translation>开仓 ±</translation>
    </message>
    <message>
        <source>Exit</source>
        <translation>平仓</translation>
    </message>
    <message>
        <source>spread</source>
        <translation>价差</translation>
    </message>
    <message>
        <source>move the mouse over the chart for values</source>
        <translation>将鼠标移到图表上查看数值</translation>
    </message>
    <message>
        <source>{kind}: edge of {key} (bps after fees)</source>
        <translation>{kind}：{key} 的收益（扣费后，bps）</translation>
    </message>
    <message>
        <source>{time} · spread {bps} bps</source>
        <translation>{time} · 价差 {bps} bps</translation>
    </message>
    <message>
        <source>mid {bps} bps</source>
        <translation>中间值 {bps} bps</translation>
    </message>
    <message>
        <source>band {low} … {high}</source>
        <translation>区间 {low} … {high}</translation>
    </message>
    <message>
        <source>cursor {bps}</source>
        <translation>光标 {bps}</translation>
    </message>
    <message>
        <source>{b}  vs  {a}</source>
        <translation>{b}  对比  {a}</translation>
    </message>
</context>
<context>
    <name>StatusToolbar</name>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>LIVE</source>
        <translation>实盘</translation>
    </message>
    <message>
        <source>PAPER</source>
        <translation>模拟盘</translation>
    </message>
    <message>
        <source>LIVE: orders go to real exchanges with real money</source>
        <translation>实盘：委托以真实资金发往真实交易所</translation>
    </message>
    <message>
        <source>PAPER: simulated fills, no real orders</source>
        <translation>模拟盘：模拟成交，不发送真实委托</translation>
    </message>
    <message>
        <source>Resume trading…</source>
        <translation>恢复交易…</translation>
    </message>
    <message>
        <source>Leave HALTED: reconcile with every venue first, then ACTIVE</source>
        <translation>解除暂停：先与每个交易所对账，再恢复交易</translation>
    </message>
    <message>
        <source>lag {ms}</source>
        <translation>延迟 {ms}</translation>
    </message>
    <message>
        <source>Event-loop lag: how late timers wake up (p50 / p99 / max)</source>
        <translation>事件循环延迟：定时器唤醒的滞后时间（p50 / p99 / 最大）</translation>
    </message>
    <message>
        <source>PANIC</source>
        <translation>紧急停止</translation>
    </message>
    <message>
        <source>Halt trading, stop bots and cancel every open order on every venue — now, with no dialog (Ctrl+Shift+K)</source>
        <translation>暂停交易、停止策略并撤销所有交易所的全部挂单 — 立即执行，无需确认（Ctrl+Shift+K）</translation>
    </message>
    <message>
        <source>Event-loop lag over the last {samples} samples: p50 {p50} ms, p99 {p99} ms, max {max} ms</source>
        <translation>最近 {samples} 个样本的事件循环延迟：p50 {p50} ms，p99 {p99} ms，最大 {max} ms</translation>
    </message>
    <message>
        <source>Tasks: none running</source>
        <translation>任务：无运行中任务</translation>
    </message>
    <message>
        <source>Tasks:</source>
        <translation>任务：</translation>
    </message>
    <message>
        <source>, {n} restarts</source>
        <translation>，重启 {n} 次</translation>
    </message>
    <message>
        <source>, last error {error} [{trace}]</source>
        <translation>，最近错误 {error} [{trace}]</translation>
    </message>
</context>
<context>
    <name>TicketForm</name>
    <message>
        <source>Instrument</source>
        <translation>交易品种</translation>
    </message>
    <message>
        <source>Quantity</source>
        <translation>数量</translation>
    </message>
    <message>
        <source>Price</source>
        <translation>价格</translation>
    </message>
    <message>
        <source>Limit</source>
        <extracomment>The ticket&apos;s order types as shown in its list.</extracomment>
        <translation>限价</translation>
    </message>
    <message>
        <source>Market</source>
        <translation>市价</translation>
    </message>
    <message>
        <source>Limit IOC</source>
        <translation>限价 IOC</translation>
    </message>
    <message>
        <source>required</source>
        <translation>必填</translation>
    </message>
    <message>
        <source>not a number: {text}</source>
        <translation>不是数字：{text}</translation>
    </message>
    <message>
        <source>must be a finite number</source>
        <translation>必须是有限数字</translation>
    </message>
    <message>
        <source>must be greater than 0, got {value}</source>
        <translation>必须大于 0，当前为 {value}</translation>
    </message>
    <message>
        <source>must be a multiple of {step}</source>
        <translation>必须是 {step} 的整数倍</translation>
    </message>
    <message>
        <source>{instrument} is not traded here</source>
        <translation>{instrument} 不在此交易所交易</translation>
    </message>
    <message>
        <source>below the venue&apos;s minimum {minimum}</source>
        <translation>低于交易所最小下单量 {minimum}</translation>
    </message>
</context>
<context>
    <name>VenueLight</name>
    <message>
        <source>not connected yet</source>
        <translation>尚未连接</translation>
    </message>
    <message>
        <source>last message {age} ago</source>
        <translation>最近消息于 {age} 前</translation>
    </message>
    <message>
        <source>no message yet</source>
        <translation>尚无消息</translation>
    </message>
</context>
</TS>
